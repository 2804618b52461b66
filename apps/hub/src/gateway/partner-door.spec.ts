import { isPartnerDoorPath } from './partner-door';

describe('the partner door listener', () => {
  it('serves what partner systems call', () => {
    for (const url of ['/oauth/token', '/events', '/feed?after=3&wait=10', '/deliveries', '/deliveries/resend', '/families/0b7c', '/families/0b7c/veiligheidskaart/inzage', '/asyncapi.json', '/health', '/health/ready']) {
      expect({ url, served: isPartnerDoorPath(url) }).toEqual({ url, served: true });
    }
  });

  it('serves nothing for operators, people or tooling, however the path is spelled', () => {
    for (const url of ['/metrics', '/METRICS', '/metrics/', '/api', '/api/openapi.json', '/admin/config', '/privacy/disclosures', '/families', '/events/', '//metrics', '/feed/../metrics', '/families/x/../../metrics', '', undefined]) {
      expect({ url, served: isPartnerDoorPath(url) }).toEqual({ url, served: false });
    }
  });
});
