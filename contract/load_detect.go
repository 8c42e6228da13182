package contract

import (
	"encoding/json"

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
// a path with its query), by the registry's one rule (specs.Match): any
// operation of either API, such as esri for GET or POST at any path that
// ends in "/TopographicProductionServer/workflows/tasks/updateTask" or
// ".../workflows/taskgroups/hasNextTask" (any prefix, the suffix in any
// letter case, one trailing slash tolerated), oracle for GET at
// "/process/api/v1/tasks/{id}" and POST at ".../tasks/{id}/reassign" or
// ".../tasks/reassign". Methods are case-sensitive, as in HTTP. ok is false
// for a request of no operation the documents describe. The validator finds
// the operation itself from the request (Exchange.Operation).
func APIForRequest(method, rawURL string) (api specs.Name, ok bool) {
	r, ok := specs.Match(method, rawURL)
	return r.API, ok
}

// loadURLPath returns the path of a URL as written (still escaped): the
// part before any query or fragment, after any scheme and host.
func loadURLPath(raw string) string { return specs.URLPath(raw) }
