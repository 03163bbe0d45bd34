/*
 * The Java oracle for the handshake simulation (test/net-tls-simulation.test.ts): a TLS handshake with the
 * JDK's default SSLContext settings (protocols, cipher suites, groups, signature schemes), the server's
 * certificate not checked (only the handshake is under test).
 *
 * Usage: java HandshakeCheck.java HOST PORT...
 * Prints one line per port: "PORT<TAB>OK<TAB>PROTOCOL<TAB>CIPHER" or "PORT<TAB>FAIL<TAB>exception".
 */

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

public class HandshakeCheck {
  public static void main(String[] args) throws Exception {
    TrustManager[] any = {
      new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] c, String a) {}
        public void checkServerTrusted(X509Certificate[] c, String a) {}
        public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, any, null);
    for (int i = 1; i < args.length; i++) {
      String port = args[i];
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
        s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 5000);
        s.setSoTimeout(5000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(java.util.List.of(new SNIHostName(args[0])));
        s.setSSLParameters(p);
        s.startHandshake();
        System.out.println(port + "\tOK\t" + s.getSession().getProtocol() + "\t" + s.getSession().getCipherSuite());
      } catch (Exception e) {
        System.out.println(port + "\tFAIL\t" + e.toString().replace('\n', ' '));
      }
    }
  }
}
