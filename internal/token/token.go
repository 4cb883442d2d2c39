// Package token issues and verifies the signed access tokens (JWT,
// HMAC-SHA256) that authenticate API calls.
package token

import (
	"errors"
	"fmt"
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
}

// Signer signs and verifies access tokens with one secret.
type Signer struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

// NewSigner returns a Signer. The secret must have at least 32 bytes.
func NewSigner(secret []byte, ttl time.Duration) (*Signer, error) {
	if len(secret) < 32 {
		return nil, errors.New("token: the signing secret must have at least 32 bytes")
	}
	s := &Signer{secret: secret, ttl: ttl, now: time.Now}
	s.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // pins the algorithm: no "none", no RS/HS confusion
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return s.now() }),
	)
	return s, nil
}

// TTL is how long an access token lives.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Sign issues a token for a user.
func (s *Signer) Sign(userID, role string) (string, error) {
	now := s.now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: userID,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
		},
		Role: role,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}

// Verify checks a token's signature, algorithm, issuer, audience and times
// and returns its claims.
func (s *Signer) Verify(raw string) (*Claims, error) {
	var c Claims
	_, err := s.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.secret, nil })
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if c.Subject == "" {
		return nil, errors.New("verify token: no subject")
	}
	return &c, nil
}
