import { clientSecretOf } from '../../apps/hub/src/gateway/partner-secrets';

/** Asks the hub's token endpoint for a token with a partner's client credentials, as an HTTPS partner does. */
export function requestToken(hubUrl: string, partnerId: string, secret: string): Promise<Response> {
  return fetch(`${hubUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: partnerId, client_secret: secret }).toString(),
  });
}

/** A partner's access token, its secret derived from the hub's partner key as the hub derives it; throws when none is given. */
export async function partnerAccessToken(hubUrl: string, partnerId: string, partnerKey: Buffer): Promise<string> {
  const response = await requestToken(hubUrl, partnerId, clientSecretOf(partnerKey, partnerId));
  if (response.status !== 200) throw new Error(`no token for ${partnerId}: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
