package coverage

import (
	"github.com/paulmach/orb"

	"lianxin/geo"
)

// Route orders stops for a day out from base and back: nearest neighbour
// from the base, then 2-opt (reversing a stretch of the tour whenever that
// shortens it) until no reversal helps. Distances are geodesic
// (geo.DistanceMetres). order lists indexes into stops; totalMetres includes
// the way back to base.
func Route(base orb.Point, stops []orb.Point) (order []int, totalMetres float64) {
	n := len(stops)
	if n == 0 {
		return nil, 0
	}
	// points[0] is the base; tour holds indexes into points, starting and
	// ending at 0 implicitly.
	points := append([]orb.Point{base}, stops...)
	dist := make([][]float64, n+1)
	for i := range dist {
		dist[i] = make([]float64, n+1)
		for j := range dist[i] {
			dist[i][j] = geo.DistanceMetres(points[i], points[j])
		}
	}
	tour := make([]int, 0, n+2)
	tour = append(tour, 0)
	used := make([]bool, n+1)
	used[0] = true
	for cur := 0; len(tour) <= n; {
		next, best := -1, 0.0
		for j := 1; j <= n; j++ {
			if !used[j] && (next < 0 || dist[cur][j] < best) {
				next, best = j, dist[cur][j]
			}
		}
		used[next] = true
		tour = append(tour, next)
		cur = next
	}
	tour = append(tour, 0)
	// 2-opt on the closed tour with fixed endpoints at the base.
	for improved := true; improved; {
		improved = false
		for i := 1; i < len(tour)-2; i++ {
			for k := i + 1; k < len(tour)-1; k++ {
				a, b, c, d := tour[i-1], tour[i], tour[k], tour[k+1]
				if dist[a][c]+dist[b][d] < dist[a][b]+dist[c][d]-1e-6 {
					for l, r := i, k; l < r; l, r = l+1, r-1 {
						tour[l], tour[r] = tour[r], tour[l]
					}
					improved = true
				}
			}
		}
	}
	for i := 1; i < len(tour); i++ {
		totalMetres += dist[tour[i-1]][tour[i]]
	}
	order = make([]int, 0, n)
	for _, p := range tour[1 : len(tour)-1] {
		order = append(order, p-1)
	}
	return order, totalMetres
}
