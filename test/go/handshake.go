// handshake dials each port with Go's crypto/tls defaults (certificates not checked: only the handshake
// is under test) and prints, one line per port, "PORT\tOK\tVERSION\tCIPHER" or "PORT\tFAIL\t<Go's error>".
// Used by test/net-tls-simulation.test.ts as the Go oracle for the handshake simulation.
//
// Usage: handshake HOST PORT...
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

var versions = map[uint16]string{
	tls.VersionTLS10: "TLSv1",
	tls.VersionTLS11: "TLSv1.1",
	tls.VersionTLS12: "TLSv1.2",
	tls.VersionTLS13: "TLSv1.3",
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: handshake HOST PORT...")
		os.Exit(2)
	}
	host := os.Args[1]
	for _, port := range os.Args[2:] {
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort("127.0.0.1", port), &tls.Config{
			ServerName:         host,
			InsecureSkipVerify: true,
		})
		if err != nil {
			fmt.Printf("%s\tFAIL\t%s\n", port, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		s := conn.ConnectionState()
		fmt.Printf("%s\tOK\t%s\t%s\n", port, versions[s.Version], tls.CipherSuiteName(s.CipherSuite))
		conn.Close()
	}
}
