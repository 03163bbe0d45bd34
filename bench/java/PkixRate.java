// The Java peer of bench/verify.ts: Java's PKIX CertPathValidator (what PKIXValidator runs for a chain in
// order), nothing cached: every round parses each chain's certificates afresh from their DER, so each issuer
// key is decoded and each signature checked again, as for a chain the JVM has never seen.
//
// The certificates are parsed with X509CertImpl itself, not CertificateFactory: the factory keeps the last 750
// certificates it parsed by their encoding and hands the same object back, and an X509CertImpl remembers its
// last signature check, so rounds over the same DER measured cached parses and signatures (under load here:
// P-256 349 against 16 chains/s, RSA-2048 244 against 84).
//
//   X="--add-exports java.base/sun.security.x509=ALL-UNNAMED"
//   javac $X -d OUT bench/java/PkixRate.java && java $X -cp OUT PkixRate DIR COUNT EPOCH_SECONDS
//
// DIR holds root.der, ica0.der … and leaf0.der … (COUNT chains). Warms the JIT up for two seconds, then
// prints "chains/s N" for one thread over the following rounds.
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Set;

public class PkixRate {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    Date at = new Date(Long.parseLong(args[2]) * 1000);
    byte[] root = Files.readAllBytes(dir.resolve("root.der"));
    byte[][] icas = new byte[count][];
    byte[][] leaves = new byte[count][];
    for (int i = 0; i < count; i++) {
      icas[i] = Files.readAllBytes(dir.resolve("ica" + i + ".der"));
      leaves[i] = Files.readAllBytes(dir.resolve("leaf" + i + ".der"));
    }
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    CertPathValidator v = CertPathValidator.getInstance("PKIX");
    long warmUntil = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < warmUntil) round(cf, v, root, icas, leaves, at);
    int rounds = 0;
    long t = System.nanoTime();
    while (System.nanoTime() - t < 2_000_000_000L) {
      round(cf, v, root, icas, leaves, at);
      rounds++;
    }
    double secs = (System.nanoTime() - t) / 1e9;
    System.out.println("chains/s " + (rounds * (double) count / secs));
  }

  static X509Certificate cert(CertificateFactory cf, byte[] der) throws Exception {
    return new sun.security.x509.X509CertImpl(der);
  }

  static void round(CertificateFactory cf, CertPathValidator v, byte[] root, byte[][] icas, byte[][] leaves, Date at)
      throws Exception {
    // The trust anchor is read once per round, as a client reads its trust store once (chainproof's import of
    // the root's key is likewise shared by the round's chains).
    TrustAnchor anchor = new TrustAnchor(cert(cf, root), null);
    for (int i = 0; i < leaves.length; i++) {
      PKIXParameters p = new PKIXParameters(Set.of(anchor));
      p.setRevocationEnabled(false);
      p.setDate(at);
      v.validate(cf.generateCertPath(List.of(cert(cf, leaves[i]), cert(cf, icas[i]))), p);
    }
  }
}
