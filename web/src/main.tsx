/**
 * chainproof's pages: one small Preact app, routed by path (/check, /decode, …). The server serves the same
 * index.html for every page path; links are intercepted and pushed to history.
 */

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { adoptTokenFromFragment, getFile, getSession, onUnauthorized, saveFile, setToken } from "./api";
import { CheckPage } from "./pages/check";
import { DecodePage } from "./pages/decode";
import { KeysPage } from "./pages/keys";
import { MonitorPage } from "./pages/monitor";
import { SamlPage } from "./pages/saml";
import { ScanPage } from "./pages/scan";
import { StoresPage } from "./pages/stores";
import { ToolsPage } from "./pages/tools";
import { VerifyPage } from "./pages/verify";
import "./style.css";

const PAGES = [
  { path: "/check", title: "Check", page: CheckPage },
  { path: "/decode", title: "Decode", page: DecodePage },
  { path: "/tools", title: "Tools", page: ToolsPage },
  { path: "/verify", title: "Chain", page: VerifyPage },
  { path: "/stores", title: "Trust stores", page: StoresPage },
  { path: "/keys", title: "Keystore", page: KeysPage },
  { path: "/saml", title: "SAML", page: SamlPage },
  { path: "/scan", title: "Scan", page: ScanPage },
  { path: "/monitor", title: "Monitor", page: MonitorPage },
] as const;

function current(path: string) {
  return PAGES.find((p) => p.path === path) ?? PAGES[0];
}

const TOKEN_NEEDED =
  "Paste the token printed by chainproof serve. When it started, it printed a link like http://127.0.0.1:8420/#token=… on its terminal: open that link, or paste the link or the token after #token= here.";
const TOKEN_REFUSED =
  "That token was not accepted. chainproof serve makes a new token every time it starts (unless it was given --token-file): paste the one from the link it printed last.";

function TokenForm({ onDone, message }: { onDone: () => void; message: string }) {
  const [t, setT] = useState("");
  return (
    <form
      class="card"
      aria-labelledby="token-title"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(t);
        onDone();
      }}
    >
      <h1 id="token-title">Access token</h1>
      <p role="alert">{message}</p>
      <label for="token">Token (or the whole link)</label>
      <input
        id="token"
        type="password"
        autocomplete="off"
        value={t}
        onInput={(e) => setT((e.target as HTMLInputElement).value)}
      />
      <div class="actions">
        <button type="submit" disabled={!t.trim()}>
          Continue
        </button>
      </div>
    </form>
  );
}

function App() {
  const [path, setPath] = useState(location.pathname);
  const [auth, setAuth] = useState<"checking" | "ok" | "token" | "down">("checking");
  const [message, setMessage] = useState("");
  const check = () => {
    setAuth("checking");
    getSession(true).then(
      () => setAuth("ok"),
      (e: unknown) => {
        // A 401 has already switched to the token prompt (onUnauthorized below).
        if ((e as { status?: number }).status === 401) return;
        setMessage(e instanceof Error ? e.message : String(e));
        setAuth("down");
      },
    );
  };
  useEffect(() => {
    // Any call answered 401 (no token yet, or the server restarted with a new one): ask for the token.
    onUnauthorized((hadToken) => {
      setMessage(hadToken ? TOKEN_REFUSED : TOKEN_NEEDED);
      setAuth("token");
    });
    adoptTokenFromFragment();
    check();
    const onPop = () => setPath(location.pathname);
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const page = current(path);
  useEffect(() => {
    document.title = `${page.title} · chainproof`;
  }, [page]);
  const go = (e: MouseEvent, to: string) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (to !== location.pathname) history.pushState(null, "", to);
    setPath(to);
    document.getElementById("main")?.focus();
  };
  const Page = page.page;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/check" onClick={(e) => go(e, "/check")}>
          chainproof
        </a>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a
                  href={p.path}
                  aria-current={p === page ? "page" : undefined}
                  onClick={(e) => go(e, p.path)}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {auth === "ok" && <Page key={page.path} />}
        {auth === "checking" && <p class="muted">Connecting…</p>}
        {auth === "token" && <TokenForm message={message} onDone={check} />}
        {auth === "down" && (
          <div class="notice bad" role="alert">
            <strong>The chainproof server cannot be reached</strong>
            <p>{message}</p>
            <button type="button" onClick={check}>
              Try again
            </button>
          </div>
        )}
      </main>
      <footer class="foot">
        <span>chainproof — will strict TLS clients trust it?</span>{" "}
        <button
          type="button"
          class="link"
          onClick={() =>
            void getFile("/api/openapi.json").then(
              (f) => saveFile(f.blob, "chainproof-openapi.json"),
              () => {},
            )
          }
        >
          API (OpenAPI)
        </button>
      </footer>
    </>
  );
}

render(<App />, document.getElementById("app")!);
