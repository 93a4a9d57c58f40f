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
	req, err := http.NewRequest("GET", api.Server+"/metrics", nil)
	if err != nil {
		return -1
	}
	if api.Token != "" {
		req.Header.Set("Authorization", "Bearer "+api.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "fetchd_ws_slow_consumer_closes_total "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return -1
}
