package sqlwrap

import (
	"fmt"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
)

// SchemaKeyset is one keyset a schema needs: the scope and purpose under
// which EnsureSchema creates it (and the wrapper loads it), and the
// protected columns and compound indexes that use it.
type SchemaKeyset struct {
	Scope   string
	Purpose cipher.Purpose
	// Uses names the protected columns ("table.column") whose values or
	// tokens are under the keyset, and the compound indexes
	// ("table.index") whose tokens are; several when columns share a
	// scope.
	Uses []string
}

// Keysets lists the keysets the schema needs, in the order EnsureSchema
// creates them: for every table, every protected column's value keyset,
// write-only sealing keyset (PurposeSealPrivate; creating it also stores its
// public half, PurposeSealPublic, which is not listed) and index keyset (every protected column has one, indexed or not: the query
// path loads it before it looks for an index), then the index keyset of
// every compound index. Columns that share a scope share one entry. Tools
// that create keysets ahead of the wrapper (phicrypt keys init) use it, so
// that they create exactly the keysets the wrapper will look for.
func (s *Schema) Keysets() []SchemaKeyset {
	var out []SchemaKeyset
	at := map[string]int{}
	add := func(scope string, p cipher.Purpose, use string) {
		k := fmt.Sprintf("%d/%s", p, scope)
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, SchemaKeyset{Scope: scope, Purpose: p})
		}
		out[i].Uses = append(out[i].Uses, use)
	}
	if s == nil {
		return nil
	}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			scope := c.Scope
			if scope == "" {
				scope = cipher.DefaultScope(t.Name, c.Name)
			}
			add(scope, cipher.PurposeValue, t.Name+"."+c.Name)
			add(scope, cipher.PurposeSealPrivate, t.Name+"."+c.Name)
			add(scope, cipher.PurposeIndex, t.Name+"."+c.Name)
		}
		for _, ci := range t.Compound {
			add(cipher.DefaultScope(t.Name, ci.Name), cipher.PurposeIndex, t.Name+"."+ci.Name)
		}
	}
	return out
}

// PrefixGramClasses bounds the number of distinct longest grams a prefix
// index stores over distinct values, by the alphabet its transforms leave
// (blindindex.PrefixGramClasses): the count Validate gives
// blindindex.PlanColumn for the index, for tools that plan indexes the same
// way.
func PrefixGramClasses(ix *BloomIndex, distinct float64) float64 {
	if ix == nil || ix.Kind != blindindex.Prefix {
		return 0
	}
	return prefixClasses(ix, distinct)
}
