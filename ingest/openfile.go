package ingest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// openFile opens a file to import. One that is not there is a problem of
// the file (FileNotFound), said once and in the clerk's language, not the
// operating system's doubled English ("open x.csv: open x.csv: no such
// file or directory").
func openFile(path, name string) (*os.File, error) {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fileInvalid(name, "", 0, FileNotFound, map[string]any{"path": path},
			"%s: no such file (is the path right?)", path)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", name, errors.Unwrap(err))
	}
	return f, nil
}
