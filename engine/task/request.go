package task

// AddRequest is what a client sends to create a task.
type AddRequest struct {
	URL         string            `json:"url"`
	Filename    string            `json:"filename"`
	Destination string            `json:"destination"`
	Category    string            `json:"category"`
	Priority    Priority          `json:"priority"`
	Checksum    string            `json:"checksum"`
	Meta        map[string]string `json:"meta"`
	BatchID     string            `json:"batch_id"`   // join this existing batch
	BatchName   string            `json:"batch_name"` // without batch_id: start a new batch
	Force       bool              `json:"force"`
	// Headers, Username and Password are sent with every request of the task.
	Headers  map[string]string `json:"headers"`
	Username string            `json:"username"`
	Password string            `json:"password"`
	// Connections 0 takes the connections setting; SpeedLimit is bytes/s, 0 = none.
	Connections int   `json:"connections"`
	SpeedLimit  int64 `json:"speed_limit"`
}

// RequestOptions are the request's headers and credentials.
func (r AddRequest) RequestOptions() RequestOptions {
	return RequestOptions{Headers: r.Headers, Username: r.Username, Password: r.Password}
}

// Query selects, orders and pages tasks.
type Query struct {
	States  []State // empty: all
	BatchID string  // "": any
	SortBy  string  // one of SortKeys
	Desc    bool
	Page    int // from 1
	Limit   int
}

// SortKeys are the fields a Query may sort by; the first is the default.
var SortKeys = []string{"created_at", "priority", "progress", "size", "filename", "status"}

// Page is one page of a Query.
type Page struct {
	Tasks        []Task
	Total        int
	StatusCounts map[State]int // over every task, not the page
}
