package contract

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/taskmock/taskmock/specs"
)

// loadIsOracleField reports whether key is a member of an Oracle Task that
// no Esri body has at its top level; generic names (id, title, priority,
// tags, ...) are left out. "o:errorCode" is the member of Oracle's
// problem-details error bodies.
func loadIsOracleField(key string) bool {
	switch key {
	case "links", "state", "substate", "processName", "processDefinitionId",
		"processDefinitionKey", "processDefinitionTitle", "processDefinitionDescription",
		"processInstanceId", "processExecutionId", "activityInstanceId",
		"rootInstanceId", "rootProcessId", "taskDefinitionKey", "availableActions",
		"createdDate", "assignedDate", "lastUpdatedDate", "dueDate", "expirationDate",
		"finishedDate", "completedDate", "isAdhoc", "isEscalated", "isSuspended",
		"reasonText", "fromUser", "createdBy", "candidateUsers", "candidateGroups",
		"applicationName", "applicationTitle", "businessKey", "parentTask",
		"originalAssignee", "dpDefinitionId", "dpDefinitionKey", "dpInstanceId",
		"dpExecutionId", "dpName", "totalResultsGrouped", "o:errorCode":
		return true
	}
	return false
}

// DetectAPI tells from a body's shape which API it belongs to: a JSON
// object with a "task" object or an "error" envelope object (and "success"
// beside them) is esri; an object with members of an Oracle Task ("links",
// "state", "substate", "processName", "processDefinitionId",
// "availableActions", "createdDate", ...) is oracle. ok is false when it
// cannot tell: `{}`, an array, not JSON, or an object with signs of both.
func DetectAPI(body []byte) (api specs.Name, ok bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return "", false
	}
	isObject := func(key string) bool {
		v, ok := obj[key]
		return ok && len(v) > 0 && v[0] == '{'
	}
	esri := isObject("task") || isObject("error")
	oracle := false
	for k := range obj {
		if loadIsOracleField(k) {
			oracle = true
			break
		}
	}
	switch {
	case esri && !oracle:
		return specs.Esri, true
	case oracle && !esri:
		return specs.Oracle, true
	}
	return "", false
}

// APIForRequest routes a request to its API by method and URL (absolute, or
// a path with its query): esri for a method of the Esri operation (GET,
// POST) at any path that ends in
// "/TopographicProductionServer/workflows/tasks/getTask" (any prefix,
// case-sensitive, one trailing slash tolerated); oracle for GET at
// "/process/api/v1/tasks/{id}", where the path starts with
// "/process/api/v1/tasks/" and has exactly one non-empty segment after it.
// Methods are case-sensitive, as in HTTP. ok is false otherwise.
func APIForRequest(method, rawURL string) (api specs.Name, ok bool) {
	path := loadURLPath(rawURL)
	for _, a := range specs.All() {
		if !slices.Contains(a.Methods, method) {
			continue
		}
		switch a.Name {
		case specs.Esri:
			if strings.HasSuffix(strings.TrimSuffix(path, "/"), a.OperationPath) {
				return a.Name, true
			}
		case specs.Oracle:
			prefix, _, _ := strings.Cut(a.OperationPath, "{")
			id, ok := strings.CutPrefix(path, prefix)
			if ok && id != "" && !strings.Contains(id, "/") {
				return a.Name, true
			}
		}
	}
	return "", false
}

// loadURLPath returns the path of a URL as written (still escaped): the
// part before any query or fragment, after any scheme and host.
func loadURLPath(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	rest, hasScheme := "", false
	if i := strings.Index(raw, "://"); i > 0 && !strings.Contains(raw[:i], "/") {
		rest, hasScheme = raw[i+3:], true
	} else if strings.HasPrefix(raw, "//") {
		rest, hasScheme = raw[2:], true
	}
	if !hasScheme {
		return raw
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return ""
}
