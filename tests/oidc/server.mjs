// An independent OAuth 2.0 / OpenID provider (the npm package `oidc-provider`) set up with
// Entra-like paths, so tenantrun's OAuth client can be proven against a server we did not write.
//
// Usage: node server.mjs CONFIG.json
// CONFIG: { "tenant": "contoso.example", "resources": ["https://outlook.office365.com"],
//           "clients": [ oidc-provider client metadata... ], "access_token_ttl": 3600,
//           "device_interval": 1 }
// Listens on 127.0.0.1, a free port, and prints one JSON line {"port": N} on stdout.
// Test-only: GET /_stats answers {"requests": {"<path>": count}}.
import http from 'node:http';
import fs from 'node:fs';
import Provider, { errors } from 'oidc-provider';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const tenant = cfg.tenant;
const resources = new Set(cfg.resources);
const ttl = cfg.access_token_ttl ?? 3600;
const counts = {};

let callback = null;
const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/_stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests: counts }));
    return;
  }
  counts[path] = (counts[path] ?? 0) + 1;
  callback(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}/${tenant}/v2.0`, {
    clients: cfg.clients,
    routes: {
      token: `/${tenant}/oauth2/v2.0/token`,
      device_authorization: `/${tenant}/oauth2/v2.0/devicecode`,
      jwks: `/${tenant}/discovery/v2.0/keys`,
      code_verification: '/device',
    },
    scopes: ['openid', 'offline_access', 'profile'],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Entra style: `scope=<resource>/.default` names the audience.
        defaultResource(ctx) {
          const scope = ctx.oidc.params?.scope ?? '';
          const wanted = scope.split(' ').find((s) => s.endsWith('/.default'));
          return wanted ? wanted.slice(0, -'/.default'.length) : undefined;
        },
        getResourceServerInfo(ctx, indicator) {
          if (!resources.has(indicator)) throw new errors.InvalidTarget();
          return { scope: `${indicator}/.default`, audience: indicator, accessTokenTTL: ttl, accessTokenFormat: 'jwt' };
        },
        useGrantedResource: () => true,
      },
    },
    rotateRefreshToken: true,
    ttl: { DeviceCode: 600, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 600 },
    pkce: { required: () => false },
  });
  provider.on('device_authorization.success', (ctx) => {
    if (cfg.device_interval !== undefined && cfg.device_interval !== null) {
      ctx.body.interval = cfg.device_interval;
    }
  });
  callback = provider.callback();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
