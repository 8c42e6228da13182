package contract

import (
	"net/http"

	"github.com/taskmock/taskmock/secrets"
	"github.com/taskmock/taskmock/specs"
)

// Severity says whether a violation breaks the contract (error) or only
// departs from what is usual or unverified (warning).
type Severity string

// The severities of a Violation.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Rule is the stable identifier of a check. Reports, tests and users' CI
// filters rely on these names: never rename one.
type Rule string

// The rules the validator applies.
const (
	// Transport-level rules.
	RuleStatusUndocumented Rule = "status-undocumented"   // status code not documented for the operation
	RuleContentType        Rule = "content-type"          // Content-Type does not fit the operation or the requested format
	RuleBodyNotJSON        Rule = "body-not-json"         // a JSON body was expected and could not be parsed
	RuleErrorResponse      Rule = "error-response"        // the server answered with an error (Esri error envelope, Oracle 4xx/5xx)
	RuleBodyTooDeep        Rule = "body-too-deep"         // JSON nested deeper than jsonlimit allows; not walked
	RuleBodyNotEmpty       Rule = "body-not-empty"        // a body where the operation documents none (Oracle reassign's 204)
	RuleBodyNotUTF8        Rule = "body-not-utf8"         // JSON whose bytes are not UTF-8 (RFC 8259 8.1)
	RuleBodyDuplicate      Rule = "body-duplicate-member" // an object gives a member twice: parsers differ on which counts
	RuleRequestInvalid     Rule = "request-invalid"       // an expected request (a Pact interaction's) departs from the operation's documentation

	// Identity rules: the body is a task, and the task asked for.
	RuleTaskIdentity Rule = "task-identity" // the task's id (Oracle) or taskOperationId (Esri) is missing, empty or not a string
	RuleTaskMismatch Rule = "task-mismatch" // the task's id or taskOperationId (getTask, updateTask) is not the one the request asked for
	RuleJobMismatch  Rule = "job-mismatch"  // executeTaskJob's jobId is not the taskGroupJobId the request asked for

	// Schema rules: the body against the document's schema.
	RuleSchemaType     Rule = "schema-type"
	RuleSchemaRequired Rule = "schema-required"
	RuleSchemaEnum     Rule = "schema-enum"
	RuleSchemaFormat   Rule = "schema-format"
	RuleSchemaRange    Rule = "schema-range" // minimum, maximum and similar bounds
	RuleSchemaOther    Rule = "schema"       // any other schema keyword
	RuleUnknownField   Rule = "unknown-property"

	// Esri semantic rules.
	RuleEsriSuccessFalse  Rule = "esri-success-false"
	RuleEsriStatusPair    Rule = "esri-status-pair"
	RuleEsriStatusUnknown Rule = "esri-status-unknown"
	RuleEsriPlannedOrder  Rule = "esri-planned-order" // endOn >= startOn
	RuleEsriActualOrder   Rule = "esri-actual-order"  // endedOn >= startedOn, endedOn implies startedOn
	RuleEsriNegativeHours Rule = "esri-negative-hours"
	RuleEsriGUID          Rule = "esri-guid"
	RuleEsriStatusDates   Rule = "esri-status-dates" // startedOn/endedOn set as the status implies
	RuleEsriNextTask      Rule = "esri-next-task"    // hasNextTask: hasNextTask == (taskCount > 0), a next operation id when there is one
	RuleEsriGroupCount    Rule = "esri-group-count"  // getTaskGroups: count == len(taskGroups)
	RuleEsriObjectID      Rule = "esri-object-id"    // getTaskGroups: objectId a number, as the page shows (a string is seen on addTaskGroup's page)

	// Oracle semantic rules.
	RuleOracleCompletedDates Rule = "oracle-completed-dates"
	RuleOracleDateOrder      Rule = "oracle-date-order"
	RuleOracleSubstate       Rule = "oracle-substate"
	RuleOracleReasonAction   Rule = "oracle-reason-action"
	RuleOracleSelfLink       Rule = "oracle-self-link"
	RuleOracleBulkCounts     Rule = "oracle-bulk-counts"        // Reassign Tasks: totalCount == sucessCount + failedCount == len(items), counts match item statuses
	RuleOracleBulkErrorMsg   Rule = "oracle-bulk-error-message" // Reassign Tasks: a Failed item says why in errorMessage
)

// Rules returns every rule the validator applies, in the order of the
// README's table: the ids users may name (taskmock validate --ignore).
func Rules() []Rule {
	return []Rule{
		RuleStatusUndocumented, RuleContentType, RuleBodyNotJSON, RuleBodyNotEmpty, RuleBodyTooDeep,
		RuleBodyNotUTF8, RuleBodyDuplicate,
		RuleTaskIdentity, RuleTaskMismatch, RuleJobMismatch, RuleErrorResponse,
		RuleSchemaType, RuleSchemaRequired, RuleSchemaEnum, RuleSchemaFormat, RuleSchemaRange, RuleSchemaOther,
		RuleUnknownField,
		RuleEsriSuccessFalse, RuleEsriNextTask, RuleEsriGroupCount, RuleEsriObjectID,
		RuleEsriStatusPair, RuleEsriStatusUnknown, RuleEsriStatusDates, RuleEsriPlannedOrder, RuleEsriActualOrder,
		RuleEsriNegativeHours, RuleEsriGUID,
		RuleOracleCompletedDates, RuleOracleDateOrder, RuleOracleSubstate, RuleOracleReasonAction,
		RuleOracleSelfLink, RuleOracleBulkCounts, RuleOracleBulkErrorMsg,
		RuleUnknownOperation, RuleRequestInvalid,
	}
}

// RuleDescription says in one line what rule r checks ("" for a rule
// Rules does not list).
func RuleDescription(r Rule) string { return ruleDescriptions[r] }

var ruleDescriptions = map[Rule]string{
	RuleStatusUndocumented:   "The status code is documented for the operation.",
	RuleContentType:          "The Content-Type fits the operation and the requested format.",
	RuleBodyNotJSON:          "The body is JSON where JSON is expected.",
	RuleBodyNotEmpty:         "A 204 answer (Oracle reassign) has no body.",
	RuleBodyTooDeep:          "The JSON is nested at most 128 levels.",
	RuleBodyNotUTF8:          "The JSON is UTF-8, as RFC 8259 requires of JSON exchanged between systems.",
	RuleBodyDuplicate:        "No object of the JSON gives a member twice, which parsers read differently.",
	RuleTaskIdentity:         "The body is a task: it has its id (Oracle) or taskOperationId (Esri).",
	RuleTaskMismatch:         "The task is the one the request asked for.",
	RuleJobMismatch:          "executeTaskJob answers the task group job the request named.",
	RuleErrorResponse:        "The server did not answer with an error.",
	RuleSchemaType:           "Each value has the documented type.",
	RuleSchemaRequired:       "The documented required properties are present.",
	RuleSchemaEnum:           "Each value is one of the documented values.",
	RuleSchemaFormat:         "Each date has the documented format.",
	RuleSchemaRange:          "Each number is within the documented bounds.",
	RuleSchemaOther:          "The body keeps the other constraints of the documented schema.",
	RuleUnknownField:         "Every property is documented.",
	RuleEsriSuccessFalse:     "A successful Esri answer does not say \"success\": false.",
	RuleEsriNextTask:         "hasNextTask agrees with taskCount and names the next task.",
	RuleEsriGroupCount:       "getTaskGroups: count is the number of taskGroups.",
	RuleEsriObjectID:         "getTaskGroups: objectId is a number, as documented.",
	RuleEsriStatusPair:       "An Esri task's status and statusCode agree.",
	RuleEsriStatusUnknown:    "An Esri task's status is one of the known values.",
	RuleEsriStatusDates:      "An Esri task has the start and end dates its status implies.",
	RuleEsriPlannedOrder:     "An Esri task's planned end is not before its planned start.",
	RuleEsriActualOrder:      "An Esri task's actual end is not before its actual start.",
	RuleEsriNegativeHours:    "An Esri task's duration and levelOfEffort are not negative.",
	RuleEsriGUID:             "Esri ids are GUIDs.",
	RuleOracleCompletedDates: "A COMPLETED Oracle task has its completion dates.",
	RuleOracleDateOrder:      "An Oracle task's dates are in the order of its life.",
	RuleOracleSubstate:       "An Oracle task's substate goes with its state.",
	RuleOracleReasonAction:   "An Oracle task's reason.action can have left it in its state.",
	RuleOracleSelfLink:       "An Oracle task's self link ends with its id.",
	RuleOracleBulkCounts:     "Reassign Tasks: the counts agree with the items.",
	RuleOracleBulkErrorMsg:   "Reassign Tasks: a Failed item says why.",
	RuleUnknownOperation:     "The exchange names an operation of the API.",
	RuleRequestInvalid:       "An expected request (a Pact interaction's) keeps the operation's documentation.",
}

// Violation is one departure from the contract.
type Violation struct {
	// API is the registry name of the API ("esri" or "oracle").
	API specs.Name `json:"-"`
	// Severity is error or warning.
	Severity Severity `json:"severity"`
	// Rule is the stable id of the check that failed.
	Rule Rule `json:"rule"`
	// Location is a JSON Pointer into the body ("/task/statusCode"), or
	// "status", "header/Content-Type", or "body" for the body as a whole.
	Location string `json:"location"`
	// Message names what was expected and what was found. It never echoes
	// a credential.
	Message string `json:"message"`
}

// Request is what is known of the request that produced a response.
// Every field is optional.
type Request struct {
	Method string
	// URL is the request URL, absolute or a path with its query.
	URL    string
	Header http.Header
	// Form holds the fields of a form-encoded POST body (Esri), if any.
	Form map[string][]string
	// Body is the request's body, when known (a Pact interaction's, the
	// text of a HAR entry's postData).
	Body []byte
}

// Secrets returns the credentials the request carries, in its URL, its
// headers, its form and its body whatever the body's encoding (see
// secrets.CollectRequest); nil when it carries none.
func (r *Request) Secrets() *secrets.Set {
	if r == nil {
		return nil
	}
	return secrets.CollectRequest(r.URL, r.Header, r.Form, r.Header.Get("Content-Type"), r.Body)
}

// Exchange is one response to check, with the request when it is known.
type Exchange struct {
	// API is the registry name of the API the response belongs to.
	API specs.Name
	// Operation is the registry id of the operation (see specs.Operation),
	// such as "updateTask". When empty, it is the operation the Request's
	// method and URL name (specs.Match), else getTask.
	Operation string
	// Request is nil when only the response is known.
	Request *Request
	// Status is the HTTP status code; 0 means unknown and is taken as 200
	// (a bare body file).
	Status int
	// Header holds the response headers; nil when unknown (a bare body).
	Header http.Header
	// Body is the response body as received.
	Body []byte
	// Secrets are credentials to hide besides those the Request carries
	// (nil for none). The validator replaces every credential of the
	// Request, every Set-Cookie value of Header and every value of Secrets
	// in the body, in any form (see package secrets), before it reads the
	// body, so that no violation can quote one.
	Secrets *secrets.Set
}

// Report is the outcome of validating one exchange.
type Report struct {
	API specs.Name `json:"api"`
	// Operation is the registry id of the operation checked ("getTask").
	Operation  string      `json:"operation"`
	Status     int         `json:"status"`
	Violations []Violation `json:"violations"`
}

// Errors counts the violations of severity error.
func (r Report) Errors() int { return r.count(SeverityError) }

// Warnings counts the violations of severity warning.
func (r Report) Warnings() int { return r.count(SeverityWarning) }

// Passed reports whether nothing counts against the contract: no error, and
// with strict also no warning.
func (r Report) Passed(strict bool) bool {
	if strict {
		return len(r.Violations) == 0
	}
	return r.Errors() == 0
}

func (r Report) count(s Severity) int {
	n := 0
	for _, v := range r.Violations {
		if v.Severity == s {
			n++
		}
	}
	return n
}
