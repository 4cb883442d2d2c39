package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/khaosat/khaosat/internal/schema"
)

// contentHash identifies what a collector sent, independent of key order,
// number spelling and when it arrived. It is an HMAC under a secret key:
// a bare hash of a guessable answer would reveal it.
func contentHash(key []byte, formID string, env *Envelope, sf *schema.Form, data map[string]any) (string, error) {
	canon, err := sf.Canonical(data)
	if err != nil {
		return "", err
	}
	head, err := json.Marshal(struct {
		Form, Unit, SurveyDate, DeviceID string
		Version                          int
		Started, Ended                   *time.Time
		Location                         *Location
	}{formID, env.Unit, env.SurveyDate.Format(time.DateOnly), env.DeviceID, env.FormVersion, env.StartedAt, env.EndedAt, env.Location})
	if err != nil {
		return "", err
	}
	h := hmac.New(sha256.New, key)
	h.Write(head)
	h.Write([]byte{0})
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil)), nil
}
