package web_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

func BenchmarkZZStatementTimes(b *testing.B) {
	app, pages, clients := scalePages(b)
	var mu sync.Mutex
	type rec struct {
		sql string
		d   time.Duration
	}
	var recs []rec
	before := func(db *gorm.DB) { db.InstanceSet("zz:start", time.Now()) }
	after := func(db *gorm.DB) {
		v, ok := db.InstanceGet("zz:start")
		if !ok {
			return
		}
		mu.Lock()
		recs = append(recs, rec{db.Statement.SQL.String(), time.Since(v.(time.Time))})
		mu.Unlock()
	}
	cb := app.DB.Callback()
	cb.Query().Before("gorm:query").Register("zz:b1", before)
	cb.Query().After("gorm:query").Register("zz:a1", after)
	cb.Row().Before("gorm:row").Register("zz:b2", before)
	cb.Row().After("gorm:row").Register("zz:a2", after)
	cb.Raw().Before("gorm:raw").Register("zz:b3", before)
	cb.Raw().After("gorm:raw").Register("zz:a3", after)
	for _, p := range pages {
		if !strings.Contains(p.Name, "overview") && !strings.Contains(p.Name, "matrix") && !strings.Contains(p.Name, "list") && !strings.Contains(p.Name, "dashboard") && !strings.Contains(p.Name, "test") {
			continue
		}
		for i := 0; i < 3; i++ {
			mu.Lock()
			recs = nil
			mu.Unlock()
			start := time.Now()
			clients[p.Client].Get(p.Path)
			total := time.Since(start)
			if i < 2 {
				continue
			}
			sort.Slice(recs, func(i, j int) bool { return recs[i].d > recs[j].d })
			var sum time.Duration
			for _, r := range recs {
				sum += r.d
			}
			fmt.Printf("== %s %s total %s, sql %s in %d statements\n", p.Name, p.Path, total, sum, len(recs))
			for _, r := range recs[:min(6, len(recs))] {
				s := strings.Join(strings.Fields(r.sql), " ")
				fmt.Printf("  %8s %.200s\n", r.d.Round(10*time.Microsecond), s)
			}
		}
	}
}
