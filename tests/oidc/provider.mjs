// A real OpenID Connect provider (the npm package oidc-provider) for the eakte tests.
//
//   node provider.mjs --redirect-uri http://testserver/login/oidc/callback \
//       [--post-logout-redirect-uri http://testserver/login?abgemeldet=1] \
//       --client-id eakte --client-secret geheim --password pw \
//       --account kc-0001=bau [--account kc-0002=fremd,upn=fremd@kreis.example ...] [--port 0]
//
// Listens on 127.0.0.1 (port 0: a free one), prints one JSON line {"issuer": ...} to stdout
// when ready and logs only to stderr. One confidential client (code flow, PKCE, secret via
// HTTP Basic), a static account store (accountId = sub, with preferred_username, name and any
// further claims given as claim=value, such as ADFS's upn), RS256 ID tokens signed by a key
// generated at start. The login page is a plain HTML form (login + password) that a test can
// submit; consent is granted automatically for the one client. RP-initiated logout asks for
// confirmation with a plain HTML form as well (submit it with logout=yes).
// Stops on SIGTERM/SIGINT or when stdin closes (the test process is gone).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'redirect-uri': { type: 'string' },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
    'client-id': { type: 'string', default: 'eakte' },
    'client-secret': { type: 'string', default: 'geheim' },
    password: { type: 'string', default: 'geheim' },
    account: { type: 'string', multiple: true, default: [] },
  },
});
if (!args['redirect-uri']) {
  console.error('--redirect-uri fehlt');
  process.exit(2);
}

const accounts = new Map();
for (const spec of args.account) {
  const [first, ...more] = spec.split(',');
  const [sub, username] = first.split('=');
  const extra = more.map((pair) => pair.split('='));
  if (!sub || !username || extra.some(([claim, value]) => !claim || !value)) {
    console.error(`--account ${spec}: erwartet sub=preferred_username[,claim=value ...]`);
    process.exit(2);
  }
  accounts.set(sub, {
    sub,
    preferred_username: username,
    name: `Testperson ${username}`,
    ...Object.fromEntries(extra),
  });
}

const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  use: 'sig',
  alg: 'RS256',
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(res, uid, message = '') {
  res.statusCode = message ? 401 : 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><title>Test-IdP</title>
${message ? `<p class="error">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<input name="login"><input name="password" type="password"><button>Anmelden</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const server = http.createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: args['client-id'],
        client_secret: args['client-secret'],
        redirect_uris: [args['redirect-uri']],
        post_logout_redirect_uris: args['post-logout-redirect-uri'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'upn', 'unique_name'] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The confirmation: `form` is an empty form (id op.logoutForm, hidden xsrf field);
        // the button goes inside it so that a test can submit one plain form.
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = `<!doctype html><title>Test-IdP</title>
${form.replace('</form>', '<button name="logout" value="yes">Abmelden</button></form>')}`;
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = '<!doctype html><title>Test-IdP</title><p>Abgemeldet.</p>';
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    // Consent is implied for the one (first-party) client: grant what it asks for.
    async loadExistingGrant(ctx) {
      const grantId =
        ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!ctx.oidc.session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(req.url.split('?')[0]);
    if (!match) {
      callback(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== match[1]) throw new Error('interaction mismatch');
      if (req.method === 'GET') {
        loginPage(res, details.uid);
        return;
      }
      const form = await readForm(req);
      const login = form.get('login') || '';
      if (!accounts.has(login) || form.get('password') !== args.password) {
        loginPage(res, details.uid, 'Unbekannte Kennung oder falsches Passwort.');
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: login } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      console.error(error);
      res.statusCode = 400;
      res.end(String(error.message || error));
    }
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

function stop() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
