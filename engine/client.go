package engine

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// newClient builds the one client that talks to origins. It fails a
// connection that does not open in 30 s (a response that stalls is the
// transfer's stall timeout's business), honours HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY, trusts the PEM roots of caFile besides the system's, and with
// insecure checks no certificate.
func newClient(caFile string, insecure bool) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 30 * time.Second
	t.MaxIdleConnsPerHost = 16
	if caFile != "" || insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: insecure}
	}
	if caFile != "" {
		pool, err := rootsWith(caFile)
		if err != nil {
			return nil, err
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: t}, nil
}

// rootsWith is the system's root pool plus the certificates in a PEM file.
func rootsWith(caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-cert %s: no PEM certificate in it", caFile)
	}
	return pool, nil
}
