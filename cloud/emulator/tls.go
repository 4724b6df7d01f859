package emulator

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The emulator's certificates: a CA of its own and a leaf it signs for
// localhost, 127.0.0.1 and ::1, generated once into the state folder
// (tls/ca.pem, tls/ca-key.pem, tls/cert.pem, tls/key.pem; the keys 0600)
// so that a client told once to trust ca.pem keeps trusting the emulator.
// The leaf is renewed from the same CA when it nears its end.
const (
	caFile      = "ca.pem"
	caKeyFile   = "ca-key.pem"
	certFile    = "cert.pem"
	keyFile     = "key.pem"
	caLifetime  = 10 * 365 * 24 * time.Hour
	leafLife    = 397 * 24 * time.Hour
	renewBefore = 30 * 24 * time.Hour
)

// Certificates are the emulator's CA and serving certificate.
type Certificates struct {
	// CAFile is the path of the CA certificate (PEM), "" when the
	// certificates live in memory only.
	CAFile string
	// CAPEM is the CA certificate.
	CAPEM []byte
	leaf  tls.Certificate
}

// Pool returns a certificate pool holding the emulator's CA.
func (c *Certificates) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(c.CAPEM)
	return p
}

// LoadCertificates returns the certificates kept in dir, creating the CA
// and the leaf the first time (and the leaf again when it nears its end).
// An empty dir makes certificates in memory.
func LoadCertificates(dir string, now time.Time) (*Certificates, error) {
	if dir == "" {
		caCert, caKey, caPEM, err := newCA(now)
		if err != nil {
			return nil, err
		}
		leaf, err := newLeaf(caCert, caKey, now)
		if err != nil {
			return nil, err
		}
		return &Certificates{CAPEM: caPEM, leaf: leaf}, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("emulator certificates: %w", err)
	}
	caCert, caKey, caPEM, err := loadCA(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if caCert, caKey, caPEM, err = newCA(now); err == nil {
			var keyDER []byte
			if keyDER, err = x509.MarshalECPrivateKey(caKey); err == nil {
				err = writePEMs(dir, caFile, caPEM, caKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
			}
			// A new CA invalidates any leaf of an old one.
			os.Remove(filepath.Join(dir, certFile))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("emulator CA in %s: %w (remove the folder to make a new one)", dir, err)
	}
	c := &Certificates{CAFile: filepath.Join(dir, caFile), CAPEM: caPEM}
	leaf, err := tls.LoadX509KeyPair(filepath.Join(dir, certFile), filepath.Join(dir, keyFile))
	if err == nil && leaf.Leaf != nil && leaf.Leaf.CheckSignatureFrom(caCert) == nil && now.Add(renewBefore).Before(leaf.Leaf.NotAfter) {
		c.leaf = leaf
		return c, nil
	}
	if c.leaf, err = newLeaf(caCert, caKey, now); err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(c.leaf.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.leaf.Certificate[0]})
	if err := writePEMs(dir, certFile, certPEM, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})); err != nil {
		return nil, fmt.Errorf("emulator certificate in %s: %w", dir, err)
	}
	return c, nil
}

func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	caPEM, err := os.ReadFile(filepath.Join(dir, caFile))
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, nil, nil, err
	}
	cb, _ := pem.Decode(caPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, nil, errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, key, caPEM, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func newCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "curator emulator local CA", Organization: []string{"curator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func newLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"curator"}},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLife),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// writePEMs writes a certificate (0644) and its key (0600) atomically.
func writePEMs(dir, certName string, certPEM []byte, keyName string, keyPEM []byte) error {
	if err := writeFileAtomic(filepath.Join(dir, keyName), keyPEM, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, certName), certPEM, 0o644)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// TrustedCAsDir is where the emulators of this user leave a copy of their
// CA certificate (named by its SHA-256), so that curator trusts a running
// `curator emulator serve` of any state folder without being told.
func TrustedCAsDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "curator", "emulator-cas"), nil
}

// registerCA copies the CA certificate into TrustedCAsDir.
func registerCA(caPEM []byte) error {
	dir, err := TrustedCAsDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	sum := sha256.Sum256(caPEM)
	path := filepath.Join(dir, hex.EncodeToString(sum[:8])+".pem")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, caPEM) {
		return nil
	}
	return writeFileAtomic(path, caPEM, 0o644)
}

// TrustedCAs returns a pool of the system's roots (when they can be read)
// and every CA that an emulator of this user registered, and of the
// certificates kept in stateDir (may be "").
func TrustedCAs(stateDir string) *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	var files []string
	if stateDir != "" {
		files = append(files, filepath.Join(stateDir, "tls", caFile))
	}
	if dir, err := TrustedCAsDir(); err == nil {
		if m, _ := filepath.Glob(filepath.Join(dir, "*.pem")); m != nil {
			files = append(files, m...)
		}
	}
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			pool.AppendCertsFromPEM(data)
		}
	}
	return pool
}
