// Package token issues and verifies the signed access tokens (JWT,
// HMAC-SHA256) that authenticate API calls, under a ring of signing keys
// named by the kid header, so that a key can be replaced while the tokens
// it signed stay valid until they expire.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer and audience written into and required of every token.
const (
	Issuer   = "khaosat"
	Audience = "khaosat-api"
)

// Claims are what an access token says.
type Claims struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
	// Session names the session (the refresh token family) the token was
	// issued for, so that ending the session ends the token with it.
	Session string `json:"sid,omitempty"`
	// Generation is the user's session generation when the token was
	// issued; a password change, a role change or a disable moves it on.
	Generation int64 `json:"gen,omitempty"`
}

// Signer signs with its current key and verifies with any key of its ring.
type Signer struct {
	current string
	keys    map[string][]byte
	ttl     time.Duration
	now     func() time.Time
	parser  *jwt.Parser
	// checks are the parser's checks of the claims alone (times, issuer,
	// audience), run again on every use of a verified token.
	checks *jwt.Validator

	mu sync.Mutex
	// verified holds the claims of tokens whose signature verified, by
	// the token's exact text: a phone sends the same token with every
	// request, and decoding and verifying it cost a tenth of an intake's
	// handling. The signature is a function of that text and of the
	// keys, which never change, so it holds for as long as the text is
	// the same; everything else is checked again at each use.
	verified map[string]Claims
}

// maxVerified bounds the verified tokens kept: a full cache is emptied,
// and the tokens in use are verified again once each.
const maxVerified = 4096

// KeyID derives the kid of a signing secret: it names the key without
// revealing it.
func KeyID(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("khaosat token key id"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// NewSigner returns a Signer that signs with secrets[0] and also accepts
// tokens signed with the others (the previous keys, kept until the tokens
// they signed have expired). Each secret must have at least 32 bytes.
func NewSigner(ttl time.Duration, secrets ...[]byte) (*Signer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("token: no signing secret")
	}
	s := &Signer{keys: map[string][]byte{}, ttl: ttl, now: time.Now}
	for i, sec := range secrets {
		if len(sec) < 32 {
			return nil, errors.New("token: a signing secret must have at least 32 bytes")
		}
		id := KeyID(sec)
		if i == 0 {
			s.current = id
		}
		s.keys[id] = sec
	}
	checks := []jwt.ParserOption{
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return s.now() }),
	}
	s.parser = jwt.NewParser(append(checks,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // pins the algorithm: no "none", no RS/HS confusion
	)...)
	s.checks = jwt.NewValidator(checks...)
	s.verified = map[string]Claims{}
	return s, nil
}

// SetClock replaces the clock, for tests of expiry.
func (s *Signer) SetClock(now func() time.Time) { s.now = now }

// TTL is how long an access token lives.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Sign issues a token for a user, under the current key, bound to no
// session.
func (s *Signer) Sign(userID, role string) (string, error) {
	return s.SignSession(userID, role, "", 0)
}

// SignSession issues a token for a user's session and session generation,
// under the current key.
func (s *Signer) SignSession(userID, role, session string, generation int64) (string, error) {
	now := s.now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: userID,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
		},
		Role: role, Session: session, Generation: generation,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["kid"] = s.current
	return t.SignedString(s.keys[s.current])
}

// Verify checks a token's key id, signature, algorithm, issuer, audience
// and times and returns its claims.
func (s *Signer) Verify(raw string) (*Claims, error) {
	s.mu.Lock()
	c, ok := s.verified[raw]
	s.mu.Unlock()
	if ok {
		if err := s.checks.Validate(&c); err != nil {
			return nil, fmt.Errorf("verify token: %w", err)
		}
		return &c, nil
	}
	_, err := s.parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.keys[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if c.Subject == "" {
		return nil, errors.New("verify token: no subject")
	}
	s.mu.Lock()
	if len(s.verified) >= maxVerified {
		clear(s.verified)
	}
	s.verified[raw] = c
	s.mu.Unlock()
	return &c, nil
}
