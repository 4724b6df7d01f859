// Package azure is curator's one production cloud path: it reads the actual
// state of a subscription and resource group from Azure Resource Manager and
// carries out single changes, through the Azure SDK for Go (armcompute for
// galleries, image definitions, image versions and sharing profiles;
// armauthorization for role assignments). Its pagers, pollers and retry
// policy are the SDK's own.
//
// The local target is this same code pointed at the emulator over HTTP.
// The package knows nothing of CUE, git or plans: it speaks the schema model.
package azure

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
	"golang.org/x/time/rate"
)

// Config says where and as whom the client works.
type Config struct {
	Subscription  string
	ResourceGroup string
	// ConfigName is the value of the ownership tag on what the client
	// creates.
	ConfigName string
	// Endpoint is the Resource Manager endpoint; "" uses the Cloud's (or
	// CURATOR_ARM_ENDPOINT when set).
	Endpoint string
	// Cloud is AzurePublic (default), AzureChina or AzureGovernment.
	Cloud string
	// Credential authenticates requests. nil means a static token when an
	// endpoint override is in use (CURATOR_ARM_TOKEN, or a placeholder the
	// emulator accepts), and azidentity's DefaultAzureCredential otherwise.
	Credential azcore.TokenCredential
	// ReadConcurrency bounds the lists run at once; default 8.
	ReadConcurrency int
	// MaxRetries of a request that was throttled or failed transiently;
	// default 6.
	MaxRetries int
	// RetryDelay is the first retry's delay; default 800ms (the SDK's).
	RetryDelay time.Duration
	// PollInterval is the longest wait between polls of a long-running
	// operation when the service names none; default 5s.
	PollInterval time.Duration
	// RootCAs, when set, are the only certificate authorities trusted for
	// the endpoint's TLS (the emulator's own CA for the local target).
	RootCAs *x509.CertPool
	// PrincipalRetries is how many times a role assignment refused with
	// PrincipalNotFound (a principal created moments ago, not yet
	// replicated through the directory) is tried again; default 5.
	// PrincipalRetryDelay is the first wait, doubled each time; default 2s.
	PrincipalRetries    int
	PrincipalRetryDelay time.Duration
	// Unthrottled disables the client-side token buckets (for benchmarks
	// against the emulator).
	Unthrottled bool
	// ReadPath is how ReadState reads: ReadGraph (Azure Resource Graph),
	// ReadARM (Resource Manager list calls) or "" to choose by the size
	// hint (see GraphThreshold).
	ReadPath string
	// GraphPageSize is the rows per Resource Graph page; default (and
	// Resource Graph's maximum) 1000.
	GraphPageSize int
	// Budgets, when set, are client-side token buckets shared with every
	// other client of the same subscription and endpoint made with them
	// (the configurations of a repository planned at once); nil: this
	// client's own buckets.
	Budgets *Budgets
	Logger  *slog.Logger
}

// Budgets are ARM's per-subscription token buckets as one process sees
// them: clients of one subscription (on one endpoint) that share Budgets
// draw on the same buckets, so that several configurations planned at once
// stay under the subscription's limits together.
type Budgets struct {
	mu sync.Mutex
	m  map[string]*limiter
}

// NewBudgets returns empty budgets.
func NewBudgets() *Budgets { return &Budgets{m: map[string]*limiter{}} }

// limiter returns the buckets of a subscription on an endpoint.
func (b *Budgets) limiter(endpoint, subscription string) *limiter {
	key := strings.ToLower(endpoint + " " + subscription)
	b.mu.Lock()
	defer b.mu.Unlock()
	if l, ok := b.m[key]; ok {
		return l
	}
	l := newLimiter()
	b.m[key] = l
	return l
}

func newLimiter() *limiter {
	return &limiter{
		read:  rate.NewLimiter(readPerSecond, readBurst),
		write: rate.NewLimiter(writePerSecond, writeBurst),
		graph: rate.NewLimiter(rate.Every(graphWindow/graphQuota), graphQuota),
	}
}

// EndpointEnv and TokenEnv point the client at another ARM-compatible
// endpoint with a static token — how tests run azure configurations against
// the emulator.
const (
	EndpointEnv = "CURATOR_ARM_ENDPOINT"
	TokenEnv    = "CURATOR_ARM_TOKEN"
)

// ARM's per-subscription token buckets, which the client stays under so that
// curator slows itself instead of being throttled; and Resource Graph's
// per-user quota (15 queries per 5-second window).
const (
	readBurst, readPerSecond   = 250, 25
	writeBurst, writePerSecond = 200, 10
	graphQuota, graphWindow    = 15, 5 * time.Second
)

// Client reads and changes one subscription and resource group.
type Client struct {
	cfg       Config
	log       *slog.Logger
	endpoint  string
	galleries *armcompute.GalleriesClient
	images    *armcompute.GalleryImagesClient
	versions  *armcompute.GalleryImageVersionsClient
	sharing   *armcompute.GallerySharingProfileClient
	roles     *armauthorization.RoleAssignmentsClient
	raw       *arm.Client
	graph     *armresourcegraph.Client

	// limits are the client-side token buckets (shared through Budgets).
	limits *limiter

	requests      atomic.Int64
	throttled     atomic.Int64
	graphRequests atomic.Int64
	// hint is the expected size of the estate (SetSizeHint); lastPath and
	// lastAt describe the last ReadState (LastRead).
	hint     atomic.Int64
	readMu   sync.Mutex
	lastPath string
	lastAt   time.Time
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.Subscription == "" || cfg.ResourceGroup == "" {
		return nil, errors.New("azure: subscription and resource group are required")
	}
	if cfg.ConfigName == "" {
		return nil, errors.New("azure: the configuration name is required: it marks what curator manages")
	}
	switch cfg.ReadPath {
	case "", ReadARM, ReadGraph:
	default:
		return nil, fmt.Errorf("azure: read path %q: use %q (Resource Graph), %q (Resource Manager lists) or leave it out to choose by size", cfg.ReadPath, ReadGraph, ReadARM)
	}
	if cfg.GraphPageSize <= 0 || cfg.GraphPageSize > graphPageRows {
		cfg.GraphPageSize = graphPageRows
	}
	if cfg.ReadConcurrency <= 0 {
		cfg.ReadConcurrency = 8
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 6
	}
	if cfg.PrincipalRetries <= 0 {
		cfg.PrincipalRetries = 5
	}
	if cfg.PrincipalRetryDelay <= 0 {
		cfg.PrincipalRetryDelay = 2 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	// The SDK's pollers poll at most once a second unless the service asks
	// for more often (Retry-After), which the emulator does.
	cfg.PollInterval = max(cfg.PollInterval, time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cc, err := cloudConfig(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = os.Getenv(EndpointEnv)
	}
	if endpoint != "" {
		cc = cloud.Configuration{
			ActiveDirectoryAuthorityHost: cc.ActiveDirectoryAuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: strings.TrimRight(endpoint, "/"), Audience: "https://management.core.windows.net/"},
			},
		}
	}
	cred := cfg.Credential
	if cred == nil {
		if endpoint != "" {
			tok := os.Getenv(TokenEnv)
			if tok == "" {
				tok = "curator-local"
			}
			cred = StaticToken(tok)
		} else {
			cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: policy.ClientOptions{Cloud: cc}})
			if err != nil {
				return nil, fmt.Errorf("azure credentials (environment, workload identity, managed identity or Azure CLI): %w", err)
			}
		}
	}
	c := &Client{cfg: cfg, log: cfg.Logger, endpoint: cc.Services[cloud.ResourceManager].Endpoint}
	shared := newLimiter()
	if cfg.Budgets != nil {
		shared = cfg.Budgets.limiter(c.endpoint, cfg.Subscription)
	}
	limits := &limiter{read: shared.read, write: shared.write, graph: shared.graph, off: cfg.Unthrottled}
	c.limits = limits
	var transport policy.Transporter
	if cfg.RootCAs != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
		transport = &http.Client{Transport: t}
	}
	opts := &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cc,
			Retry: policy.RetryOptions{
				MaxRetries:    int32(cfg.MaxRetries),
				RetryDelay:    cfg.RetryDelay,
				MaxRetryDelay: 60 * time.Second,
				StatusCodes:   retryStatusCodes,
				ShouldRetry:   shouldRetry,
			},
			PerRetryPolicies:                []policy.Policy{&countPolicy{c: c, limits: limits}},
			InsecureAllowCredentialWithHTTP: strings.HasPrefix(c.endpoint, "http://"),
			Telemetry:                       policy.TelemetryOptions{ApplicationID: "curator"},
			Transport:                       transport,
			Logging:                         policy.LogOptions{IncludeBody: false},
		},
		DisableRPRegistration: true,
	}
	sub := cfg.Subscription
	if c.galleries, err = armcompute.NewGalleriesClient(sub, cred, opts); err != nil {
		return nil, fmt.Errorf("azure: galleries client: %w", err)
	}
	if c.images, err = armcompute.NewGalleryImagesClient(sub, cred, opts); err != nil {
		return nil, fmt.Errorf("azure: gallery images client: %w", err)
	}
	if c.versions, err = armcompute.NewGalleryImageVersionsClient(sub, cred, opts); err != nil {
		return nil, fmt.Errorf("azure: gallery image versions client: %w", err)
	}
	if c.sharing, err = armcompute.NewGallerySharingProfileClient(sub, cred, opts); err != nil {
		return nil, fmt.Errorf("azure: sharing profile client: %w", err)
	}
	if c.roles, err = armauthorization.NewRoleAssignmentsClient(sub, cred, opts); err != nil {
		return nil, fmt.Errorf("azure: role assignments client: %w", err)
	}
	// Resource Graph's rows are decoded once, by graphRowsPolicy, rather
	// than into the SDK's generic value first.
	graphOpts := *opts
	graphOpts.PerCallPolicies = append(append([]policy.Policy(nil), opts.PerCallPolicies...), graphRowsPolicy{})
	if c.graph, err = armresourcegraph.NewClient(cred, &graphOpts); err != nil {
		return nil, fmt.Errorf("azure: resource graph client: %w", err)
	}
	if c.raw, err = arm.NewClient("curator", "v1.0.0", cred, opts); err != nil {
		return nil, fmt.Errorf("azure: resource manager client: %w", err)
	}
	return c, nil
}

func cloudConfig(name string) (cloud.Configuration, error) {
	switch strings.ToLower(name) {
	case "", "azurepublic", "azurecloud":
		return cloud.AzurePublic, nil
	case "azurechina", "azurechinacloud":
		return cloud.AzureChina, nil
	case "azuregovernment", "azureusgovernment":
		return cloud.AzureGovernment, nil
	}
	return cloud.Configuration{}, fmt.Errorf("azure: unknown cloud %q: use AzurePublic, AzureChina or AzureGovernment", name)
}

// Requests is the number of requests sent to Resource Manager so far,
// retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Throttled is the number of 429 answers received so far.
func (c *Client) Throttled() int64 { return c.throttled.Load() }

// StaticToken is a credential that always presents tok, for the emulator
// and for CURATOR_ARM_ENDPOINT.
func StaticToken(tok string) azcore.TokenCredential { return staticToken(tok) }

type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// limiter is the client-side token buckets.
type limiter struct {
	read, write, graph *rate.Limiter
	off                bool
}

// countPolicy counts every request sent (retries included) and waits for the
// client-side rate limiter first.
type countPolicy struct {
	c      *Client
	limits *limiter
}

func (p *countPolicy) Do(req *policy.Request) (*http.Response, error) {
	isGraph := strings.HasPrefix(strings.ToLower(req.Raw().URL.Path), "/providers/microsoft.resourcegraph/")
	if isGraph {
		p.c.graphRequests.Add(1)
	}
	if !p.limits.off {
		l := p.limits.write
		switch {
		case isGraph:
			l = p.limits.graph
		case req.Raw().Method == http.MethodGet || req.Raw().Method == http.MethodHead:
			l = p.limits.read
		}
		if err := l.Wait(req.Raw().Context()); err != nil {
			return nil, err
		}
	}
	p.c.requests.Add(1)
	resp, err := req.Next()
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		p.c.throttled.Add(1)
		p.c.log.Debug("throttled by Resource Manager", "method", req.Raw().Method, "path", req.Raw().URL.Path, "retry_after", resp.Header.Get("Retry-After"))
	}
	return resp, err
}

// retryStatusCodes are the answers worth another try: the SDK's list.
var retryStatusCodes = []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// shouldRetry is the SDK's rule, except that a certificate that does not
// verify is not retried: every try meets the same certificate.
func shouldRetry(resp *http.Response, err error) bool {
	if err != nil {
		return !untrustedCertificate(err)
	}
	return slices.Contains(retryStatusCodes, resp.StatusCode)
}
