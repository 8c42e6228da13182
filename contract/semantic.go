package contract

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/specs"
)

// The semantic checks: cross-field rules beyond JSON Schema, read from the
// rule table in rules.go. They are warnings unless the documentation makes
// them certain.

// IsGUID reports whether s is a GUID such as
// A031377A-E3C5-4C1A-A081-56285228A3A3 (8-4-4-4-12 hexadecimal digits), in
// any letter case, with or without braces: the shape rule esri-guid expects
// of the task's GUIDs.
func IsGUID(s string) bool {
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// esriSuccessFalse reports "success": false beside a successful answer.
func (c *check) esriSuccessFalse(obj map[string]any) {
	if ok, isBool := obj["success"].(bool); isBool && !ok {
		c.addBody(SeverityError, RuleEsriSuccessFalse, "/success", "expected true, found false: the server reports that %s failed", c.om.op.ID)
	}
}

// esriJobIdentity checks that executeTaskJob answers for the task group job
// the request named (job-mismatch): the page gives jobId as "the task group
// job id".
func (c *check) esriJobIdentity(obj map[string]any) {
	found, ok := obj["jobId"].(string)
	if !ok {
		return
	}
	asked, known := c.param("taskGroupJobId")
	if known && strings.TrimSpace(asked) != "" && !sameTask(true, asked, found) {
		c.addBody(SeverityError, RuleJobMismatch, "/jobId", "expected the task group job asked for, taskGroupJobId %q, found %q", truncate(asked, 60), truncate(found, 60))
	}
}

// esriNextTask checks that hasNextTask agrees with taskCount, and names the
// next task when there is one (esri-next-task, a warning: inferred from the
// page's example).
func (c *check) esriNextTask(obj map[string]any) {
	count, hasCount := intValue(obj["taskCount"])
	next, hasNext := obj["hasNextTask"].(bool)
	if hasCount && hasNext && next != (count > 0) {
		c.addBody(SeverityWarning, RuleEsriNextTask, "/hasNextTask", "expected %t with taskCount %d, found %t", count > 0, count, next)
	}
	if hasNext && next {
		if id, _ := obj["nextTaskOperationId"].(string); strings.TrimSpace(id) == "" {
			c.addBody(SeverityWarning, RuleEsriNextTask, "/nextTaskOperationId", "expected the operation id of the next task, found %s", describeMember(obj, "nextTaskOperationId"))
		}
	}
}

// esriTaskGroups checks that count counts the task groups (esri-group-count)
// and that objectIds are numbers as getTaskGroups shows them
// (esri-object-id); both are warnings.
func (c *check) esriTaskGroups(obj map[string]any) {
	groups, isList := obj["taskGroups"].([]any)
	if count, ok := intValue(obj["count"]); ok && isList && count != len(groups) {
		c.addBody(SeverityWarning, RuleEsriGroupCount, "/count", "expected the number of taskGroups (%d), found %d", len(groups), count)
	}
	for i, g := range groups {
		group, _ := g.(map[string]any)
		v, present := group["objectId"]
		if !present {
			continue
		}
		at := "/taskGroups/" + strconv.Itoa(i) + "/objectId"
		switch x := v.(type) {
		case string:
			c.addBody(SeverityWarning, RuleEsriObjectID, at,
				"expected an integer, as getTaskGroups shows objectId, found a string (as addTaskGroup's page shows it)")
		case json.Number:
			if _, ok := plainInt(x); !ok {
				c.addBody(SeverityError, RuleSchemaType, at, "expected an integer, found %s", describe(v))
			}
		default:
			c.addBody(SeverityError, RuleSchemaType, at, "expected an integer, found %s", describe(v))
		}
	}
}

// oracleBulk checks the counts of a BulkReassignResponse against one
// another and its items (oracle-bulk-counts, an error: counts that do not
// add up describe no outcome), and that failed items say why
// (oracle-bulk-error-message, a warning: the page gives errorMessage for
// failures without marking it required).
func (c *check) oracleBulk(obj map[string]any) {
	total, hasTotal := intValue(obj["totalCount"])
	success, hasSuccess := intValue(obj["sucessCount"])
	failed, hasFailed := intValue(obj["failedCount"])
	items, hasItems := obj["items"].([]any)
	if hasTotal && hasSuccess && hasFailed && total != success+failed {
		c.addBody(SeverityError, RuleOracleBulkCounts, "/totalCount", "expected sucessCount + failedCount (%d + %d), found %d", success, failed, total)
	}
	if !hasItems {
		return
	}
	if hasTotal && total != len(items) {
		c.addBody(SeverityError, RuleOracleBulkCounts, "/totalCount", "expected the number of items (%d), found %d", len(items), total)
	}
	var ok, ko int
	for i, it := range items {
		item, _ := it.(map[string]any)
		switch item["status"] {
		case "Success":
			ok++
		case "Failed":
			ko++
			if msg, _ := item["errorMessage"].(string); strings.TrimSpace(msg) == "" {
				c.addBody(SeverityWarning, RuleOracleBulkErrorMsg, "/items/"+strconv.Itoa(i)+"/errorMessage", "expected why the task was not reassigned, found %s", describeMember(item, "errorMessage"))
			}
		}
	}
	if hasSuccess && success != ok {
		c.addBody(SeverityError, RuleOracleBulkCounts, "/sucessCount", "expected the number of items with status Success (%d), found %d", ok, success)
	}
	if hasFailed && failed != ko {
		c.addBody(SeverityError, RuleOracleBulkCounts, "/failedCount", "expected the number of items with status Failed (%d), found %d", ko, failed)
	}
}

// describeMember describes obj's member key for a message: "none" when it
// is absent.
func describeMember(obj map[string]any, key string) string {
	v, ok := obj[key]
	if !ok {
		return "none"
	}
	return describe(v)
}

func (c *check) esriSemantics(obj map[string]any) {
	c.esriSuccessFalse(obj)
	task, ok := obj["task"].(map[string]any)
	if !ok {
		return
	}
	const at = "/task/"

	status, hasStatus := task["status"].(string)
	code, hasCode := intValue(task["statusCode"])
	if hasStatus {
		row, known := EsriStatusByName(status)
		switch {
		case !known:
			c.addBody(SeverityWarning, RuleEsriStatusUnknown, at+"status", "expected a status of the table (%s), found %q", esriStatusList(), truncate(status, 60))
		case hasCode && code != row.Code:
			c.addBody(SeverityWarning, RuleEsriStatusPair, at+"statusCode", "expected %d for status %q, found %d", row.Code, status, code)
		}
		if known {
			c.esriStatusDates(task, row)
		}
	} else if hasCode {
		if _, known := EsriStatusByCode(code); !known {
			c.addBody(SeverityWarning, RuleEsriStatusUnknown, at+"statusCode", "expected a statusCode of the table (0 to 5), found %d", code)
		}
	}

	for _, o := range EsriDateOrders {
		earlier, eok := esriDate(task[o.Earlier])
		later, lok := esriDate(task[o.Later])
		if eok && lok && later.t.Before(earlier.t) {
			rule := RuleEsriPlannedOrder
			if o.Earlier == "startedOn" {
				rule = RuleEsriActualOrder
			}
			c.addBody(SeverityWarning, rule, at+o.Later, "expected %s not before %s (%s), found %s", o.Later, o.Earlier, task[o.Earlier], task[o.Later])
		}
	}
	if ended, _ := task["endedOn"].(string); ended != "" {
		if started, isStr := task["startedOn"].(string); isStr && started == "" {
			c.addBody(SeverityWarning, RuleEsriActualOrder, at+"startedOn", "expected startedOn to be set because endedOn is set (%s), found \"\"", ended)
		}
	}
	for _, f := range EsriHourFields {
		if n, ok := task[f].(json.Number); ok {
			if x, err := n.Float64(); err == nil && x < 0 {
				c.addBody(SeverityError, RuleEsriNegativeHours, at+f, "expected a number of hours (0 or more), found %s", n)
			}
		}
	}
	for _, f := range EsriGUIDFields {
		if s, ok := task[f].(string); ok && !IsGUID(s) {
			c.addBody(SeverityWarning, RuleEsriGUID, at+f, "expected a GUID such as A031377A-E3C5-4C1A-A081-56285228A3A3 (any case, braces optional), found %q", truncate(s, 60))
		}
	}
}

func (c *check) esriStatusDates(task map[string]any, row EsriStatus) {
	for _, f := range []struct {
		name string
		p    Presence
	}{{"startedOn", row.StartedOn}, {"endedOn", row.EndedOn}} {
		v, isStr := task[f.name].(string)
		if !isStr {
			continue
		}
		switch {
		case f.p == Required && v == "":
			c.addBody(SeverityWarning, RuleEsriStatusDates, "/task/"+f.name, "expected a date for a task with status %q, found \"\"", row.Name)
		case f.p == Forbidden && v != "":
			c.addBody(SeverityWarning, RuleEsriStatusDates, "/task/"+f.name, "expected \"\" for a task with status %q, found %q", row.Name, truncate(v, 40))
		}
	}
}

func esriStatusList() string {
	var s []string
	for _, st := range EsriStatuses {
		s = append(s, fmt.Sprintf("%d %s", st.Code, st.Name))
	}
	return strings.Join(s, ", ")
}

func esriDate(v any) (dateTime, bool) {
	s, ok := v.(string)
	if !ok || s == "" {
		return dateTime{}, false
	}
	d, err := parseDateTime(s)
	return d, err == nil
}

func intValue(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n.String())
	return i, err == nil
}

func (c *check) oracleSemantics(task map[string]any) {
	state, _ := task["state"].(string)
	substate, _ := task["substate"].(string)
	if !isOracleSubstate(substate) {
		substate = "" // an undocumented value is the schema's error, not a pairing question
	}
	row, stateKnown := OracleStateByName(state)

	if stateKnown && !row.AllowsSubstate(substate) {
		c.addBody(SeverityWarning, RuleOracleSubstate, "/substate", "expected a substate that goes with state %s (%s), found %q", state, strings.Join(row.Substates, ", "), substate)
	}
	if stateKnown && row.Closed {
		for _, f := range OracleClosedDates {
			if s, _ := task[f].(string); s == "" {
				c.addBody(SeverityWarning, RuleOracleCompletedDates, "/"+f, "expected %s to be set for a %s task, found %s", f, state, describe(task[f]))
			}
		}
	}
	for _, o := range OracleDateOrders {
		earlier, eok := oracleDate(task[o.Earlier])
		later, lok := oracleDate(task[o.Later])
		if eok && lok && later.t.Before(earlier.t) {
			c.addBody(SeverityWarning, RuleOracleDateOrder, "/"+o.Later, "expected %s not before %s (%s), found %s", o.Later, o.Earlier, task[o.Earlier], task[o.Later])
		}
	}
	if reason, ok := task["reason"].(map[string]any); ok && stateKnown {
		if action, _ := reason["action"].(string); action != "" {
			if a, known := OracleActionByName(action); known && !a.Fits(state, substate) {
				c.addBody(SeverityWarning, RuleOracleReasonAction, "/reason/action", "expected an action that leaves a task %s, found %q (which leaves it %s)", stateDesc(state, substate), action, actionDesc(a))
			}
		}
	}
	c.oracleSelfLink(task)
}

func isOracleSubstate(s string) bool {
	for _, st := range OracleStates {
		if contains(st.Substates, s) {
			return true
		}
	}
	return false
}

func stateDesc(state, substate string) string {
	if substate == "" {
		return state
	}
	return state + "/" + substate
}

func actionDesc(a OracleAction) string {
	s := strings.Join(a.States, " or ")
	if a.Substates != nil {
		s += " with substate " + strings.Join(a.Substates, " or ")
	}
	return s
}

func oracleDate(v any) (dateTime, bool) {
	s, ok := v.(string)
	if !ok || s == "" {
		return dateTime{}, false
	}
	d, err := parseDateTime(s)
	return d, err == nil
}

func (c *check) oracleSelfLink(task map[string]any) {
	id, _ := task["id"].(string)
	links, _ := task["links"].([]any)
	if id == "" {
		return
	}
	for i, l := range links {
		link, _ := l.(map[string]any)
		if rel, _ := link["rel"].(string); rel != "self" {
			continue
		}
		href, ok := link["href"].(string)
		if !ok {
			continue
		}
		path := href
		if u, err := url.Parse(href); err == nil {
			path = u.Path
		}
		path = strings.TrimSuffix(path, "/")
		if !endsWithSegment(path, id) && !endsWithSegment(path, url.PathEscape(id)) {
			c.addBody(SeverityWarning, RuleOracleSelfLink, "/links/"+strconv.Itoa(i)+"/href", "expected the self link to end with the task id %q, found %q", truncate(id, 60), truncate(href, 120))
		}
	}
}

// endsWithSegment reports whether path ends with "/" + seg.
func endsWithSegment(path, seg string) bool {
	return len(path) > len(seg) && path[len(path)-len(seg)-1] == '/' && strings.HasSuffix(path, seg)
}

// The member that names a task in each API's body.
const (
	esriIdentity   = "taskOperationId" // of the task object, what getTask is asked for
	oracleIdentity = "id"
)

// oracleTaskPath is the path of the Oracle operation up to the task id.
const oracleTaskPath = "/process/api/v1/tasks/"

// taskIdentity checks that task names itself (task-identity: its identity
// member is a non-empty string), and, when the request is known, that it is
// the task the request asked for (task-mismatch).
// ptr is the JSON Pointer of the member. What the schema has already
// reported at that place (a required member missing, a wrong type) is not
// reported again.
func (c *check) taskIdentity(task map[string]any, ptr, member string) {
	v, present := task[member]
	s, isStr := v.(string)
	switch {
	case c.hasBodyError(ptr):
	case !present:
		c.addBody(SeverityError, RuleTaskIdentity, ptr, "expected the task's %s, found none: the body is not a task", member)
	case !isStr:
		c.addBody(SeverityError, RuleTaskIdentity, ptr, "expected the task's %s as a string, found %s", member, describe(v))
	case strings.TrimSpace(s) == "":
		c.addBody(SeverityError, RuleTaskIdentity, ptr, "expected the task's %s, found %q: the body names no task", member, s)
	default:
		asked, known := c.askedTask()
		if known && !sameTask(c.m.api.Name == specs.Esri, asked, s) {
			c.addBody(SeverityError, RuleTaskMismatch, ptr, "expected the task asked for, %s %q, found %q", member, truncate(asked, 60), truncate(s, 60))
		}
	}
}

// hasBodyError reports whether a body violation of severity error is
// already at ptr.
func (c *check) hasBodyError(ptr string) bool {
	for _, v := range c.body {
		if v.Location == ptr && v.Severity == SeverityError {
			return true
		}
	}
	return false
}

// askedTask returns the identity of the task the request asked for: the
// taskOperationId parameter (query or form) for Esri, the last segment of
// the path /process/api/v1/tasks/{id} (unescaped) for Oracle. known is
// false when there is no request, or it does not name a task.
func (c *check) askedTask() (id string, known bool) {
	if c.ex.Request == nil {
		return "", false
	}
	if c.m.api.Name == specs.Esri {
		id, known = c.param(esriIdentity)
		return id, known && strings.TrimSpace(id) != ""
	}
	path := loadURLPath(c.ex.Request.URL)
	i := strings.LastIndex(path, oracleTaskPath)
	if i < 0 {
		return "", false
	}
	rest := strings.TrimSuffix(path[i+len(oracleTaskPath):], "/")
	if rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	if u, err := url.PathUnescape(rest); err == nil {
		rest = u
	}
	return rest, true
}

// sameTask tells whether the task found is the one asked for: GUIDs (Esri)
// compare in any letter case, with or without braces; other ids compare
// byte for byte.
func sameTask(guids bool, asked, found string) bool {
	asked, found = strings.TrimSpace(asked), strings.TrimSpace(found)
	if guids && IsGUID(asked) && IsGUID(found) {
		return strings.EqualFold(strings.Trim(asked, "{}"), strings.Trim(found, "{}"))
	}
	return asked == found
}
