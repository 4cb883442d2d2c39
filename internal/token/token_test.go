package token_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/khaosat/khaosat/internal/token"
)

var (
	oldSecret = []byte("old-secret-old-secret-old-secret-0123")
	newSecret = []byte("new-secret-new-secret-new-secret-4567")
)

func mustSigner(t *testing.T, secrets ...[]byte) *token.Signer {
	t.Helper()
	s, err := token.NewSigner(15*time.Minute, secrets...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// forge signs claims with method and key, with the given kid.
func forge(t *testing.T, method jwt.SigningMethod, key any, kid string, mutate func(*token.Claims)) string {
	t.Helper()
	now := time.Now()
	c := token.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: token.Issuer, Audience: jwt.ClaimStrings{token.Audience},
		Subject: "user-1", IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}, Role: "admin"}
	if mutate != nil {
		mutate(&c)
	}
	tk := jwt.NewWithClaims(method, c)
	if kid != "" {
		tk.Header["kid"] = kid
	}
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefuses(t *testing.T) {
	s := mustSigner(t, newSecret)
	kid := token.KeyID(newSecret)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good, err := s.Sign("user-1", "collector")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["role"] = "admin"
	tamperedPayload, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedPayload) + "." + parts[2]
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"` + kid + `"}`))

	for _, tc := range []struct{ name, raw string }{
		{"alg none", noneHeader + "." + parts[1] + "."},
		{"alg none signed by the library", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, nil)},
		{"RS256 with a foreign key", forge(t, jwt.SigningMethodRS256, rsaKey, kid, nil)},
		{"HS512 with the right secret", forge(t, jwt.SigningMethodHS512, newSecret, kid, nil)},
		{"wrong audience", forge(t, jwt.SigningMethodHS256, newSecret, kid, func(c *token.Claims) { c.Audience = jwt.ClaimStrings{"other"} })},
		{"wrong issuer", forge(t, jwt.SigningMethodHS256, newSecret, kid, func(c *token.Claims) { c.Issuer = "evil" })},
		{"expired", forge(t, jwt.SigningMethodHS256, newSecret, kid, func(c *token.Claims) {
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute))
		})},
		{"no expiry", forge(t, jwt.SigningMethodHS256, newSecret, kid, func(c *token.Claims) { c.ExpiresAt = nil })},
		{"issued in the future", forge(t, jwt.SigningMethodHS256, newSecret, kid, func(c *token.Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(time.Hour)) })},
		{"tampered payload", tampered},
		{"unknown kid", forge(t, jwt.SigningMethodHS256, newSecret, "0123456789abcdef", nil)},
		{"no kid", forge(t, jwt.SigningMethodHS256, newSecret, "", nil)},
		{"signed with a secret not in the ring", forge(t, jwt.SigningMethodHS256, oldSecret, token.KeyID(oldSecret), nil)},
		{"no subject", forge(t, jwt.SigningMethodHS256, newSecret, kid, func(c *token.Claims) { c.Subject = "" })},
		{"garbage", "not.a.token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := s.Verify(tc.raw); err == nil {
				t.Fatalf("accepted: %+v", c)
			}
		})
	}
	if c, err := s.Verify(good); err != nil || c.Subject != "user-1" || c.Role != "collector" {
		t.Fatalf("a good token is refused: %v", err)
	}
}

// TestKeyRotation: after the secret is replaced, tokens of the previous
// one stay valid (while it is kept in the ring) until they expire.
func TestKeyRotation(t *testing.T) {
	before := mustSigner(t, oldSecret)
	old, err := before.Sign("user-1", "manager")
	if err != nil {
		t.Fatal(err)
	}
	after := mustSigner(t, newSecret, oldSecret)
	if _, err := after.Verify(old); err != nil {
		t.Fatalf("a token of the previous key is refused: %v", err)
	}
	fresh, _ := after.Sign("user-1", "manager")
	if _, err := before.Verify(fresh); err == nil {
		t.Error("a token of the new key verifies under the old ring only")
	}
	after.SetClock(func() time.Time { return time.Now().Add(16 * time.Minute) })
	if _, err := after.Verify(old); err == nil {
		t.Error("a token of the previous key is still valid after it expired")
	}
	if _, err := mustSigner(t, newSecret).Verify(old); err == nil {
		t.Error("a token of a key dropped from the ring is accepted")
	}
}

// TestVerifiedTokenCheckedAtEachUse: a token verified once is not trusted
// for longer than its times allow, and a token that differs from it by
// one character of its signature is verified afresh and refused.
func TestVerifiedTokenCheckedAtEachUse(t *testing.T) {
	s := mustSigner(t, newSecret)
	good, err := s.Sign("user-1", "collector")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if c, err := s.Verify(good); err != nil || c.Subject != "user-1" || c.Role != "collector" {
			t.Fatalf("a good token is refused: %v", err)
		}
	}
	last := good[len(good)-1]
	flipped := good[:len(good)-1] + string("AQ"[(strings.IndexByte("AQ", last)+1)%2])
	if _, err := s.Verify(flipped); err == nil {
		t.Error("a token with another signature is accepted after the good one")
	}
	s.SetClock(func() time.Time { return time.Now().Add(-time.Minute) })
	if _, err := s.Verify(good); err == nil {
		t.Error("a verified token is accepted before it was issued")
	}
	s.SetClock(func() time.Time { return time.Now().Add(16 * time.Minute) })
	if _, err := s.Verify(good); err == nil {
		t.Error("a verified token is accepted after it expired")
	}
}

// TestVerifyConcurrent races many callers over more tokens than are kept
// verified: every good token verifies, every tampered one is refused.
func TestVerifyConcurrent(t *testing.T) {
	s := mustSigner(t, newSecret)
	const n = 4200 // more than are kept
	tokens := make([]string, n)
	for i := range tokens {
		var err error
		if tokens[i], err = s.Sign("user-"+strconv.Itoa(i), "collector"); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 2*n; i += 4 {
				raw := tokens[i%n]
				c, err := s.Verify(raw)
				if err != nil || c.Subject != "user-"+strconv.Itoa(i%n) {
					t.Errorf("token %d: %v", i%n, err)
					return
				}
				if _, err := s.Verify(raw[:len(raw)-2]); err == nil {
					t.Errorf("token %d cut short is accepted", i%n)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestSignSession: an access token carries its session and the account's
// session generation, which the server checks at every request; a token
// of no session says so with an empty session and generation 0.
func TestSignSession(t *testing.T) {
	s := mustSigner(t, newSecret)
	raw, err := s.SignSession("user-1", "collector", "family-1", 7)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // verified, then from the cache of verified tokens
		c, err := s.Verify(raw)
		if err != nil || c.Subject != "user-1" || c.Session != "family-1" || c.Generation != 7 {
			t.Fatalf("verified: %+v, %v", c, err)
		}
	}
	plain, _ := s.Sign("user-1", "collector")
	if c, err := s.Verify(plain); err != nil || c.Session != "" || c.Generation != 0 {
		t.Errorf("a token of no session: %+v, %v", c, err)
	}
}
