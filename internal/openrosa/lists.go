package openrosa

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
)

// Version is the OpenRosa protocol version khaosat speaks.
const Version = "1.0"

// FormListEntry is one form of a collector's form list.
type FormListEntry struct {
	FormID      string `xml:"formID"`
	Name        string `xml:"name"`
	Version     string `xml:"version"`
	Hash        string `xml:"hash"`
	DownloadURL string `xml:"downloadUrl"`
	ManifestURL string `xml:"manifestUrl"`
}

// FormList writes the OpenRosa form list.
func FormList(entries []FormListEntry) ([]byte, error) {
	doc := struct {
		XMLName xml.Name        `xml:"http://openrosa.org/xforms/xformsList xforms"`
		Forms   []FormListEntry `xml:"xform"`
	}{Forms: entries}
	out, err := xml.MarshalIndent(doc, "", "  ")
	return append([]byte(xml.Header), out...), err
}

// Hash is the form list's hash of an XForm document: "md5:" and the
// hex digest, as ODK clients compare it.
func Hash(xform []byte) string {
	sum := md5.Sum(xform)
	return "md5:" + hex.EncodeToString(sum[:])
}

// Manifest writes a form's (empty) media manifest: khaosat's forms have
// no media files.
func Manifest() []byte {
	return []byte(xml.Header + `<manifest xmlns="http://openrosa.org/xforms/xformsManifest"></manifest>` + "\n")
}

// Response writes an OpenRosa response body: a message a client shows.
func Response(nature, message string) []byte {
	doc := struct {
		XMLName xml.Name `xml:"http://openrosa.org/http/response OpenRosaResponse"`
		Message struct {
			Nature string `xml:"nature,attr,omitempty"`
			Text   string `xml:",chardata"`
		} `xml:"message"`
	}{}
	doc.Message.Nature, doc.Message.Text = nature, message
	out, _ := xml.Marshal(doc)
	return append([]byte(xml.Header), out...)
}
