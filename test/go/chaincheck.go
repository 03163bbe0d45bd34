// chaincheck dials each lab endpoint with Go's crypto/tls and prints, one line per endpoint,
// "HOST\tOK" or "HOST\t<the error Go returned>". Used by test/lab-oracle-go-browsers.test.ts as the Go
// oracle: the lab roots are the only trust (RootCAs), the endpoint's name is ServerName (SNI and the
// host name checked), and the TCP connection goes to 127.0.0.1 whatever the name.
//
// Usage: chaincheck ROOTS.pem HOST PORT [HOST PORT]...
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 || len(os.Args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: chaincheck ROOTS.pem HOST PORT [HOST PORT]...")
		os.Exit(2)
	}
	pem, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fmt.Fprintln(os.Stderr, "no certificate in", os.Args[1])
		os.Exit(2)
	}
	for i := 2; i+1 < len(os.Args); i += 2 {
		host, port := os.Args[i], os.Args[i+1]
		fmt.Printf("%s\t%s\n", host, dial(roots, host, port))
	}
}

func dial(roots *x509.CertPool, host, port string) string {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort("127.0.0.1", port), &tls.Config{
		RootCAs:    roots,
		ServerName: host,
	})
	if err != nil {
		return strings.ReplaceAll(err.Error(), "\n", " ")
	}
	conn.Close()
	return "OK"
}
