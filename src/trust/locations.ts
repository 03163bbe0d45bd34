/**
 * Where trust stores usually live. Pure: returns candidate paths only; the CLI reads them (the trust
 * layer never touches the disk). Candidates are in order of preference; the first that exists wins.
 */

export interface LocationEnv {
  /** Environment variables (pass process.env). */
  env?: Record<string, string | undefined>;
  /** process.platform. */
  platform?: string;
}

/**
 * OpenSSL's default CA bundle files (what curl and OpenSSL-based clients read), per distribution,
 * after SSL_CERT_FILE when set. The same list Go's crypto/x509 tries on Linux.
 */
export function systemBundleCandidates({ env = {}, platform = "linux" }: LocationEnv = {}): string[] {
  const out: string[] = [];
  if (env.SSL_CERT_FILE) out.push(env.SSL_CERT_FILE);
  if (platform === "darwin") {
    out.push("/etc/ssl/cert.pem", "/usr/local/etc/openssl/cert.pem", "/opt/homebrew/etc/openssl@3/cert.pem");
    return out;
  }
  if (platform === "win32") return out;
  out.push(
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem", // openSUSE
    "/etc/pki/tls/cacert.pem", // OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7+
    "/etc/ssl/cert.pem", // Alpine, FreeBSD, OpenBSD
  );
  return out;
}

/** Hashed certificate directories (OpenSSL CApath), after SSL_CERT_DIR (colon-separated) when set. */
export function systemDirectoryCandidates({ env = {}, platform = "linux" }: LocationEnv = {}): string[] {
  const out: string[] = [];
  if (env.SSL_CERT_DIR) out.push(...env.SSL_CERT_DIR.split(platform === "win32" ? ";" : ":").filter(Boolean));
  if (platform === "win32") return out;
  out.push("/etc/ssl/certs", "/etc/pki/tls/certs", "/system/etc/security/cacerts");
  return out;
}

/**
 * The JDK's cacerts: `$JAVA_HOME/lib/security/cacerts` (JDK 9+) and `$JAVA_HOME/jre/lib/security/cacerts`
 * (JDK 8), then the usual distribution locations. Default store password: "changeit"
 * (store.ts JDK_DEFAULT_STOREPASS).
 */
export function jdkCacertsCandidates({ env = {}, platform = "linux" }: LocationEnv = {}): string[] {
  const sep = platform === "win32" ? "\\" : "/";
  const out: string[] = [];
  for (const home of [env.JAVA_HOME, env.JDK_HOME]) {
    if (!home) continue;
    const h = home.endsWith(sep) ? home.slice(0, -1) : home;
    out.push([h, "lib", "security", "cacerts"].join(sep), [h, "jre", "lib", "security", "cacerts"].join(sep));
  }
  if (platform === "linux") {
    out.push(
      "/etc/ssl/certs/java/cacerts", // Debian/Ubuntu ca-certificates-java (shared by every JDK package)
      "/etc/pki/ca-trust/extracted/java/cacerts", // Fedora/RHEL
      "/etc/pki/java/cacerts",
    );
  } else if (platform === "darwin") {
    out.push("/Library/Java/JavaVirtualMachines/Current/Contents/Home/lib/security/cacerts");
  }
  return [...new Set(out)];
}
