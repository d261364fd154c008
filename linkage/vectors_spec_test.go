package linkage

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// TestVectorsFollowTheSpec recomputes vectors of testdata/vectors.json
// from docs/FORMAT.md with the standard library alone.
func TestVectorsFollowTheSpec(t *testing.T) {
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v kat
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	lp := func(b []byte, x string) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(x)))
		return append(b, x...)
	}
	mac := func(key, msg []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		return m.Sum(nil)
	}
	// The SSN key of the first case.
	ssn := v.Cases[0].Keys[0]
	if ssn.Key != "ssn" {
		t.Fatalf("first key %q", ssn.Key)
	}
	enc := append([]byte("phicrypt-linkage"), 0x01)
	enc = lp(enc, "ssn")
	enc = lp(enc, "ssn=ssn")
	enc = binary.BigEndian.AppendUint32(enc, 1)
	enc = lp(enc, "123456788")
	if hex.EncodeToString(enc) != ssn.Encoding {
		t.Fatalf("encoding %x, vectors %s", enc, ssn.Encoding)
	}
	tk := ssn.TwoKey[0]
	if tk.Stretch != "pbkdf2-sha256:i=1000" {
		t.Fatalf("stretch %q", tk.Stretch)
	}
	salt := lp(lp([]byte("phicrypt-linkage two-key site"), "ssn"), tk.Stretch)
	siteValue, err := pbkdf2.Key(sha256.New, string(mac(unhex(t, v.SiteKey), enc)), salt, 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(siteValue) != tk.SiteValue {
		t.Errorf("site value %x, vectors %s", siteValue, tk.SiteValue)
	}
	tok := mac(unhex(t, v.CentralKey), lp(lp([]byte("phicrypt-linkage two-key central"), "ssn"), string(siteValue)))
	if hex.EncodeToString(tok) != tk.Token {
		t.Errorf("two-key token %x, vectors %s", tok, tk.Token)
	}
	otok := mac(unhex(t, v.NetworkKey), lp(lp([]byte("phicrypt-linkage oblivious"), "ssn"), string(unhex(t, ssn.Output))))
	if hex.EncodeToString(otok) != ssn.Oblivious {
		t.Errorf("oblivious token %x, vectors %s", otok, ssn.Oblivious)
	}
	msg := lp(lp([]byte("phicrypt-linkage oblivious"), "ssn"), "pbkdf2-sha256:i=1000")
	st, err := pbkdf2.Key(sha256.New, string(unhex(t, ssn.Output)), msg, 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	stok := mac(unhex(t, v.NetworkKey), lp(msg, string(st)))
	if hex.EncodeToString(stok) != ssn.ObliviousStretched {
		t.Errorf("stretched oblivious token %x, vectors %s", stok, ssn.ObliviousStretched)
	}
}
