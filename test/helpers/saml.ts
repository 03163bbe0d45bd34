/** A SAML Response as the tests start from: an unsigned one for a Salesforce org, at a fixed time. */

import { buildResponseXml, type SampleResponseOptions } from "../../src/saml/index.js";

export const NOW = new Date("2030-01-01T00:00:00Z");
export const SP = "https://example.my.salesforce.com";
export const ACS = "https://example.my.salesforce.com?so=00D000000000001";
export const IDP = "https://idp.example.com/metadata";

/** Issued at NOW, valid from a minute before to five minutes after, answering request "_req-1". */
export function sampleResponse(o: Partial<SampleResponseOptions> = {}): string {
  return buildResponseXml({
    issuer: IDP,
    spEntityId: SP,
    acs: ACS,
    nameId: "alice@example.com",
    issueInstant: NOW,
    notBefore: new Date(NOW.getTime() - 60_000),
    notOnOrAfter: new Date(NOW.getTime() + 300_000),
    inResponseTo: "_req-1",
    responseId: "_resp",
    assertionId: "_assn",
    ...o,
  });
}
