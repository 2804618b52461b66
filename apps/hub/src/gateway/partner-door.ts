import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * The partner door on a listener of its own (GATEWAY_PORT): what partner systems call, and
 * nothing for operators, people or tooling (no /metrics, /api, /admin, /privacy). An allow-list
 * of exact paths, looked at before Express routes (which would match /METRICS or /metrics/ too).
 */
export const PARTNER_DOOR_PATHS = /^\/(?:oauth\/token|events|feed|deliveries(?:\/resend)?|families(?:\/[A-Za-z0-9_-]+)+|asyncapi\.json|health(?:\/live|\/ready)?)$/;

export function isPartnerDoorPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return PARTNER_DOOR_PATHS.test(path);
}

export interface PartnerDoor {
  url: string;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Serves `app` (the hub's Express instance) on its own port for the partner paths alone; 404 problem+json for the rest. */
export async function listenPartnerDoor(app: Handler, port: number, host: string, tls?: https.ServerOptions): Promise<PartnerDoor> {
  const handler: Handler = (req, res) => {
    if (isPartnerDoorPath(req.url)) {
      app(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({
      type: 'https://ketenhub.nl/problems/not_found', title: 'NOT_FOUND', status: 404,
      detail: 'this listener (GATEWAY_PORT) is the partner door: /oauth/token, /events, /feed, /deliveries, /families/…, /asyncapi.json, /health',
    }));
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
