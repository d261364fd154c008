package audit

import (
	"bytes"
	"context"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

func TestDBSink(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, _ := testdb.Open(t, d)
			kek := testKEK(t)
			for round := range 2 {
				s, err := NewDBSink(ctx, db, string(d))
				if err != nil {
					t.Fatal(err)
				}
				l, err := New(ctx, s, Options{KEK: kek, CheckpointEvery: 3})
				if err != nil {
					t.Fatal(err)
				}
				for i := range 4 {
					if _, err := l.Log(ctx, Record{Principal: "p", Op: OpInsert, Table: "t", Rows: int64(i), Outcome: OutcomeOK}); err != nil {
						t.Fatal(err)
					}
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := s.Export(ctx, &buf); err != nil {
					t.Fatal(err)
				}
				res, err := Verify(&buf, kek)
				// Per round: 4 records, a checkpoint after the third, one on Close.
				if err != nil || !res.OK() || res.LastSeq != int64(6*(round+1)) || res.Verified != 2*(round+1) {
					t.Fatalf("round %d: %+v %v", round, res, err)
				}
			}
			// A row edited in the table breaks the chain.
			if _, err := db.ExecContext(ctx, "UPDATE phicrypt_audit SET record = REPLACE(record, '\"principal\":\"p\"', '\"principal\":\"q\"') WHERE seq = 2"); err != nil {
				t.Fatal(err)
			}
			s, _ := NewDBSink(ctx, db, string(d))
			var buf bytes.Buffer
			if err := s.Export(ctx, &buf); err != nil {
				t.Fatal(err)
			}
			res, err := Verify(&buf, kek)
			if err != nil || !hasFinding(res, 2, FindHashMismatch) {
				t.Fatalf("%+v %v", res, err)
			}
		})
	}
}
