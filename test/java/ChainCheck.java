/*
 * The Java oracle for chainproof's `java` and `salesforce` client profiles.
 *
 * For each case it runs what a Java HTTPS client runs: a real TLS handshake, in memory, between a client
 * SSLEngine (PKIX TrustManagerFactory over the case's trust store, endpoint identification "HTTPS", peer
 * host = the case's host) and a server SSLEngine that sends the case's chain exactly as given (order,
 * extra and duplicate certificates kept: a custom key manager, because KeyStore.setKeyEntry would refuse
 * an unordered chain). The client's trust manager is the JDK's own X509TrustManagerImpl, so path building,
 * jdk.certpath.disabledAlgorithms, jdk.security.caDistrustPolicies and HostnameChecker all apply as they
 * do in any Java HTTPS client.
 *
 * Usage: java ChainCheck CASE_DIR...
 *   CASE_DIR/trust/*.pem   trusted certificates (a KeyStore of trusted-certificate entries)
 *   CASE_DIR/chain.pem     the certificates the server sends, in order (the first is the server's own)
 *   CASE_DIR/key.pem       the PKCS#8 private key of the first certificate
 *   CASE_DIR/host          the host name (or IP address) the client connects to
 * Prints one line per case: "NAME<TAB>OK" or "NAME<TAB>FAIL<TAB>message of the client's exception".
 */

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

public class ChainCheck {
  public static void main(String[] args) throws Exception {
    for (String dir : args) {
      String name = new File(dir).getName();
      String result;
      try {
        check(new File(dir));
        result = "OK";
      } catch (Exception e) {
        result = "FAIL\t" + String.valueOf(e.getMessage()).replace('\n', ' ').replace('\t', ' ');
      }
      System.out.println(name + "\t" + result);
    }
  }

  static List<X509Certificate> readCerts(File f) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = new FileInputStream(f)) {
      Collection<? extends Certificate> all = cf.generateCertificates(in);
      for (Certificate c : all) out.add((X509Certificate) c);
    }
    return out;
  }

  static void check(File dir) throws Exception {
    String host = new String(Files.readAllBytes(new File(dir, "host").toPath()), StandardCharsets.UTF_8).trim();
    List<X509Certificate> chain = readCerts(new File(dir, "chain.pem"));
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    File[] trustFiles = new File(dir, "trust").listFiles();
    Arrays.sort(trustFiles);
    int n = 0;
    for (File f : trustFiles) {
      for (X509Certificate c : readCerts(f)) trust.setCertificateEntry("t" + (n++), c);
    }
    String pem = new String(Files.readAllBytes(new File(dir, "key.pem").toPath()), StandardCharsets.US_ASCII);
    byte[] pkcs8 = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
    String alg = chain.get(0).getPublicKey().getAlgorithm();
    PrivateKey key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));

    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext clientCtx = SSLContext.getInstance("TLS");
    clientCtx.init(null, tmf.getTrustManagers(), null);
    SSLEngine client = clientCtx.createSSLEngine(host, 443);
    client.setUseClientMode(true);
    SSLParameters p = client.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    client.setSSLParameters(p);

    SSLContext serverCtx = SSLContext.getInstance("TLS");
    serverCtx.init(new KeyManager[] {new FixedKeyManager(key, chain.toArray(new X509Certificate[0]))}, null, null);
    SSLEngine server = serverCtx.createSSLEngine();
    server.setUseClientMode(false);

    handshake(client, server);
  }

  /** Drive both engines until each has received application data, or throw the first failure. */
  static void handshake(SSLEngine client, SSLEngine server) throws Exception {
    int net = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize()) * 4;
    int app = Math.max(client.getSession().getApplicationBufferSize(), server.getSession().getApplicationBufferSize()) * 2;
    ByteBuffer cToS = ByteBuffer.allocate(net);
    ByteBuffer sToC = ByteBuffer.allocate(net);
    ByteBuffer clientIn = ByteBuffer.allocate(app);
    ByteBuffer serverIn = ByteBuffer.allocate(app);
    ByteBuffer clientOut = ByteBuffer.wrap("c".getBytes(StandardCharsets.US_ASCII));
    ByteBuffer serverOut = ByteBuffer.wrap("s".getBytes(StandardCharsets.US_ASCII));
    client.beginHandshake();
    server.beginHandshake();
    for (int i = 0; i < 200; i++) {
      tasks(client.wrap(clientOut, cToS), client);
      tasks(server.wrap(serverOut, sToC), server);
      cToS.flip();
      sToC.flip();
      tasks(client.unwrap(sToC, clientIn), client);
      tasks(server.unwrap(cToS, serverIn), server);
      cToS.compact();
      sToC.compact();
      if (clientIn.position() > 0 && serverIn.position() > 0) return;
    }
    throw new Exception("handshake did not complete");
  }

  static void tasks(SSLEngineResult r, SSLEngine e) {
    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
      Runnable t;
      while ((t = e.getDelegatedTask()) != null) t.run();
    }
  }

  /** Serves one key and the chain exactly as given. */
  static final class FixedKeyManager extends X509ExtendedKeyManager {
    private final PrivateKey key;
    private final X509Certificate[] chain;

    FixedKeyManager(PrivateKey key, X509Certificate[] chain) {
      this.key = key;
      this.chain = chain;
    }

    private boolean fits(String keyType) {
      return keyType != null && keyType.equalsIgnoreCase(key.getAlgorithm());
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return fits(keyType) ? "k" : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return fits(keyType) ? "k" : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return fits(keyType) ? new String[] {"k"} : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }
  }
}
