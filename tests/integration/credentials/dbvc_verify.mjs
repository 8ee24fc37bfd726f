// Verify an Open Badges credential with Digital Bazaar's verifier, not certflow's:
// @digitalbazaar/vc with DataIntegrityProof + eddsa-rdfc-2022, and the Bitstring
// Status List checker. The document loader serves the JSON-LD contexts from local
// copies, and resolves did:web and the status list over HTTP from the site under
// test (only that origin); anything else is refused.
//
// usage: node dbvc_verify.mjs INPUT.json  with  {credential, contexts, origin}
// prints {verified, errors, status} as JSON (status: the status-list bit, or null).
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const {credential, contexts, origin} = input;

function didWebUrl(did) {
  // did:web:host%3Aport -> http(s)://host:port/.well-known/did.json (the test site is http)
  const host = decodeURIComponent(did.slice('did:web:'.length));
  const scheme = origin.startsWith('https:') ? 'https' : 'http';
  return `${scheme}://${host}/.well-known/did.json`;
}

async function fetchJson(url) {
  if(!url.startsWith(origin + '/')) {
    throw new Error(`refusing to fetch ${url}: not the site under test`);
  }
  const response = await fetch(url);
  if(!response.ok) {
    throw new Error(`${url} answered ${response.status}`);
  }
  return JSON.parse(await response.text());
}

async function documentLoader(url) {
  if(contexts[url]) {
    return {contextUrl: null, documentUrl: url, document: contexts[url]};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = await fetchJson(didWebUrl(did));
    if(didDocument.id !== did) {
      throw new Error(`the DID document at ${didWebUrl(did)} is not ${did}'s`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = didDocument.verificationMethod.find(m => m.id === url);
    if(!method) {
      throw new Error(`${did} lists no verification method ${url}`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method},
    };
  }
  return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const errors = [];
let verified = false;
let status = null;
try {
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus,
  });
  verified = result.verified;
  if(result.error) {
    errors.push(result.error.message || String(result.error));
    for(const e of result.error.errors || []) {
      errors.push(e.message);
    }
  }
  for(const r of result.results || []) {
    if(r.error) {
      errors.push(r.error.message);
    }
  }
  if(result.statusResult) {
    status = result.statusResult.verified ?
      (result.statusResult.results || [result.statusResult])[0].status : null;
    if(result.statusResult.error) {
      errors.push(`status: ${result.statusResult.error.message}`);
    }
  }
} catch(e) {
  errors.push(e.message);
}
process.stdout.write(JSON.stringify({verified, errors, status}) + '\n');
