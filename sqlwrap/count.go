package sqlwrap

import (
	"context"
	"fmt"
	"strings"
)

// Count returns how many rows Find would return for q (Offset and Limit
// applied, OrderBy ignored), exactly. With only plain conditions (and
// IsNull, NotNull) it is a COUNT(*) in the database. With an Eq, In,
// Prefix or Contains on a protected column the tokens only narrow the
// candidates: every candidate is read and decrypted to drop the false
// positives, row by row, so the cost is that of a Find without holding
// the rows. A candidate that does not open fails the Count.
func (ta *TableAccess) Count(ctx context.Context, q Query) (count int64, err error) {
	defer ta.auditCount(ctx, &count, &err)
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	q.OrderBy = nil
	b, _, _, err := ta.prepare(ctx, q, false)
	if err != nil {
		return 0, err
	}
	if len(b.checks) > 0 {
		var n int64
		err := ta.stream(ctx, q, false, func(Row, *DamagedRow) bool { n++; return true })
		if err != nil {
			return 0, err
		}
		return n, nil
	}
	rt, d := ta.rt, ta.rt.d
	text := fmt.Sprintf("SELECT COUNT(*) FROM %s", d.q(rt.t.Name))
	if len(b.where) > 0 {
		text += " WHERE " + strings.Join(b.where, " AND ")
	}
	st, err := ta.stmt(ctx, text)
	if err != nil {
		return 0, ta.fail("count", "", err)
	}
	var n int64
	if err := st.QueryRowContext(ctx, b.args...).Scan(&n); err != nil {
		return 0, ta.fail("count", "", err)
	}
	n = max(0, n-int64(q.Offset))
	if q.Limit > 0 {
		n = min(n, int64(q.Limit))
	}
	return n, nil
}
