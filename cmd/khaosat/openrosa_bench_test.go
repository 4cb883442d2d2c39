package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkOpenRosaIntake compares intake over OpenRosa (a multipart
// instance XML, read into the JSON envelope) with intake of the same
// household answers as JSON, on the same server, from 1, 8 and 32
// clients, in the same run: the figure is the xml/json ratio.
func BenchmarkOpenRosaIntake(b *testing.B) {
	for _, clients := range []int{1, 8, 32} {
		b.Run(strconv.Itoa(clients)+" clients", func(b *testing.B) { benchOpenRosa(b, clients) })
	}
}

func benchOpenRosa(b *testing.B, clients int) {
	col := newUser(b, shared, "collector", unitIn)
	prefix, _, _ := enrolOpenRosaTB(b, col)
	data := householdData(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	post := func(url, ctype string, body []byte, bearer string) {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := hc.Do(req)
		if err != nil {
			failures.Add(1)
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			failures.Add(1)
		}
	}
	n := b.N * clients
	failures.Store(0)
	b.ResetTimer()
	jsonTime := parallel(clients, n, func(int) {
		env := envelope(data)
		body, _ := json.Marshal(env)
		post(shared.base+"/api/v1/forms/household/submissions", "application/json", body, col.token)
	})
	xmlTime := parallel(clients, n, func(int) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="xml_submission_file"; filename="submission.xml"`)
		h.Set("Content-Type", "text/xml")
		w, _ := mw.CreatePart(h)
		w.Write(instanceXML("household", 1, uuid.NewString(), unitIn, data, ""))
		mw.Close()
		post(shared.base+prefix+"/submission", mw.FormDataContentType(), buf.Bytes(), "")
	})
	b.StopTimer()
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d failed requests", f)
	}
	jsonRate := float64(n) / jsonTime.Seconds()
	xmlRate := float64(n) / xmlTime.Seconds()
	b.ReportMetric(jsonRate, "json_submissions/s")
	b.ReportMetric(xmlRate, "xml_submissions/s")
	b.ReportMetric(xmlRate/jsonRate, "xml/json")
}
