package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The tile statements are rewritten from named to positional parameters once
// at start-up: each must bind exactly what pgx's own rewrite of the named
// arguments binds, call by call.
func TestTileStatementsBindAsNamedArgs(t *testing.T) {
	args := pgx.NamedArgs{}
	for i, n := range tileArgNames {
		args[n] = []int{i} // a distinct value per name
	}
	for layer, sql := range tileSQL {
		t.Run(layer, func(t *testing.T) {
			wantSQL, wantArgs, err := args.RewriteQuery(context.Background(), nil, sql, nil)
			if err != nil {
				t.Fatal(err)
			}
			gotSQL, gotArgs, err := TileStatement(layer, args)
			if err != nil {
				t.Fatal(err)
			}
			if gotSQL != wantSQL {
				t.Errorf("TileStatement(%s) SQL differs from pgx's rewrite:\n%s\nwant\n%s", layer, gotSQL, wantSQL)
			}
			if !reflect.DeepEqual(gotArgs, wantArgs) {
				t.Errorf("TileStatement(%s) args = %v, want %v", layer, gotArgs, wantArgs)
			}
			if len(gotArgs) == 0 {
				t.Errorf("TileStatement(%s) binds nothing: want the tile's z, x, y at least", layer)
			}
		})
	}
	if _, _, err := TileStatement("nolayer", args); err == nil {
		t.Error("TileStatement(nolayer): got no error, want one")
	}
}
