package driverbench

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite"
)

type drv struct{ name, driver, params string }

var drivers = []drv{
	{"modernc", "sqlite", "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"},
	{"mattn", "sqlite3", "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_foreign_keys=1"},
}

const schema = `CREATE TABLE IF NOT EXISTS m (seq INTEGER PRIMARY KEY AUTOINCREMENT, group_id TEXT NOT NULL, user_id TEXT NOT NULL,
 role_level INTEGER NOT NULL, join_time INTEGER NOT NULL, nickname TEXT NOT NULL, ex TEXT NOT NULL, UNIQUE(group_id,user_id));
CREATE INDEX IF NOT EXISTS m_user ON m(user_id, seq, group_id);
CREATE INDEX IF NOT EXISTS m_group ON m(group_id, seq);`

func open(b *testing.B, d drv) *sql.DB {
	p := filepath.Join(b.TempDir(), "b.db")
	db, err := sql.Open(d.driver, "file:"+p+"?"+d.params)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

const ins = `INSERT INTO m(group_id,user_id,role_level,join_time,nickname,ex) VALUES(?,?,?,?,?,?)`

func insertN(b *testing.B, db *sql.DB, start, n int) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	st, _ := tx.Prepare(ins)
	for i := start; i < start+n; i++ {
		if _, err := st.Exec(fmt.Sprintf("g%d", i%100), fmt.Sprintf("u%d", i), 20, i, "nick", ""); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// One member per durable transaction: fsync bound.
func BenchmarkInsertTx1(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := open(b, d)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				insertN(b, db, i, 1)
			}
		})
	}
}

// 100 members per durable transaction: per-statement CPU cost shows.
func BenchmarkInsertTx100(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := open(b, d)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				insertN(b, db, i*100, 100)
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func seeded(b *testing.B, d drv) *sql.DB {
	db := open(b, d)
	for i := 0; i < 20; i++ {
		insertN(b, db, i*1000, 1000)
	}
	db.SetMaxOpenConns(4)
	return db
}

func BenchmarkPointRead(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := seeded(b, d)
			st, _ := db.Prepare(`SELECT seq,group_id,user_id,role_level,join_time,nickname,ex FROM m WHERE group_id=? AND user_id=?`)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var seq, rl, jt int64
				var g, u, n, ex string
				k := i % 20000
				if err := st.QueryRowContext(ctx, fmt.Sprintf("g%d", k%100), fmt.Sprintf("u%d", k)).Scan(&seq, &g, &u, &rl, &jt, &n, &ex); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// 50 rows from an index range (a group's members by seq).
func BenchmarkRangeRead50(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := seeded(b, d)
			st, _ := db.Prepare(`SELECT seq,group_id,user_id,role_level,join_time,nickname,ex FROM m WHERE group_id=? ORDER BY seq LIMIT 50`)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rows, err := st.Query(fmt.Sprintf("g%d", i%100))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var seq, rl, jt int64
					var g, u, nn, ex string
					rows.Scan(&seq, &g, &u, &rl, &jt, &nn, &ex)
					n++
				}
				rows.Close()
				if n != 50 {
					b.Fatal(n)
				}
			}
		})
	}
}

func BenchmarkRangeRead50Parallel(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := seeded(b, d)
			st, _ := db.Prepare(`SELECT seq,group_id,user_id,role_level,join_time,nickname,ex FROM m WHERE group_id=? ORDER BY seq LIMIT 50`)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					rows, err := st.Query(fmt.Sprintf("g%d", i%100))
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						var seq, rl, jt int64
						var g, u, nn, ex string
						rows.Scan(&seq, &g, &u, &rl, &jt, &nn, &ex)
					}
					rows.Close()
				}
			})
		})
	}
}
