// A real OpenID Connect provider for the single sign-on browser test (panva/oidc-provider, OpenID Certified).
// Started by tests/e2e/test_sso.py on 127.0.0.1 with a test client and two test users whose group claim the app
// maps to access levels. Its own login page checks the password; consent is granted to this first-party client.
//
//   PORT=… REDIRECT_URI=http://127.0.0.1:<app>/oauth2callback CLIENT_SECRET=… node provider.mjs
//
// Prints "ready <issuer>" on stdout when it listens. Test data only: nothing here is a real credential.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = process.env.REDIRECT_URI;

// The two test users: a member of the committee that owns the closed item, and a member without that committee.
const USERS = {
  mette: { password: 'mette-kodeord', claims: { name: 'Mette Udvalg', email: 'mette@kommune.test',
    preferred_username: 'mette@kommune.test', groups: ['grp-byraad', 'grp-byraad-lukket'] } },
  jens: { password: 'jens-kodeord', claims: { name: 'Jens Menig', email: 'jens@kommune.test',
    preferred_username: 'jens@kommune.test', groups: ['grp-byraad'] } },
};

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'byraad-gpt',
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...signingKey, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username', 'groups'] },
  conformIdTokenClaims: false,            // the claims go into the ID token, which is what st.login reads
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // First-party client: the scopes it asks for are granted without a consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, sub) {
    const user = USERS[sub];
    return user && { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60 },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const page = (uid, error = '') => `<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">
<title>Testkommunens login</title></head><body>
<h1>Testkommunens login</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Brugernavn <input name="login" autocomplete="username"></label>
<label>Adgangskode <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log ind hos udbyderen</button></form></body></html>`;

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 10000) break;
  }
  return new URLSearchParams(raw);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (action === 'login' && req.method === 'POST') {
    const form = await formBody(req);
    const user = USERS[form.get('login')];
    if (!user || user.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(uid, 'Forkert brugernavn eller adgangskode.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: form.get('login') } },
      { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'consent') {          // not reached with loadExistingGrant above; kept explicit
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid email profile');
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page(uid));
}

const handle = provider.callback();
const server = createServer(async (req, res) => {
  const m = req.url.match(/^\/interaction\/([\w-]+)(?:\/(login))?(?:\?.*)?$/);
  if (!m) return handle(req, res);
  try {
    await interaction(req, res, m[1], m[2]);
  } catch (err) {
    console.error(err);
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Login-forløbet er udløbet eller ugyldigt. Start forfra.');
  }
});
server.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
