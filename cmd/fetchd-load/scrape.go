package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"

	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// scrapeSlowCloses reads the daemon's count of 4008 closes from /metrics.
func scrapeSlowCloses(api *wsclient.REST) int {
	v, ok := scrapeMetrics(api, "fetchd_ws_slow_consumer_closes_total")["fetchd_ws_slow_consumer_closes_total"]
	if !ok {
		return -1
	}
	return int(v)
}

// scrapeMetrics reads the named unlabelled series from the daemon's /metrics;
// a name the daemon did not send is missing from the answer.
func scrapeMetrics(api *wsclient.REST, names ...string) map[string]float64 {
	out := map[string]float64{}
	req, err := http.NewRequest("GET", api.Server+"/metrics", nil)
	if err != nil {
		return out
	}
	if api.Token != "" {
		req.Header.Set("Authorization", "Bearer "+api.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		for _, want := range names {
			if name == want {
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					out[name] = n
				}
			}
		}
	}
	return out
}
