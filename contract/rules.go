package contract

import "strings"

// This file is the rule table: the one source of truth for the cross-field
// invariants of the two APIs. The validator's semantic checks read it, and
// so does the fake-task generator, so the two can never disagree.
//
// What the vendors document is marked as such; everything else is inferred
// from the seed examples and the sibling operations, and a departure from
// it is reported as a warning, never an error.

// Presence says whether a field must, may or must not be set.
type Presence string

// The presences of a date field for a task status.
const (
	Required  Presence = "required"
	Optional  Presence = "optional"
	Forbidden Presence = "forbidden"
)

// EsriStatus is one row of the Esri task status table.
type EsriStatus struct {
	// Code is the statusCode that goes with the status.
	Code int
	// Name is the canonical status string (compared case-insensitively).
	Name string
	// Aliases are other spellings seen in the documentation of sibling
	// operations (updateTask's enumeration), compared the same way.
	Aliases []string
	// StartedOn and EndedOn say whether the actual start and end dates are
	// set for a task in this status.
	StartedOn, EndedOn Presence
	// Weight is the relative frequency of the status among generated tasks.
	Weight int
}

// EsriStatuses is the mapping table of Esri task status strings and codes.
// The getTask page shows only 0 "new"; the codes 1 to 5 follow the sibling
// updateTask operation (Unknown=0, Ready=1, InProgress=2, Completed=3,
// Failed=4, Canceled=5). Unverified for getTask: departures are warnings.
var EsriStatuses = []EsriStatus{
	{Code: 0, Name: "new", Aliases: []string{"unknown"}, StartedOn: Forbidden, EndedOn: Forbidden, Weight: 30},
	{Code: 1, Name: "ready", StartedOn: Forbidden, EndedOn: Forbidden, Weight: 20},
	{Code: 2, Name: "inProgress", StartedOn: Required, EndedOn: Forbidden, Weight: 25},
	{Code: 3, Name: "completed", StartedOn: Required, EndedOn: Required, Weight: 15},
	{Code: 4, Name: "failed", StartedOn: Required, EndedOn: Optional, Weight: 4},
	{Code: 5, Name: "canceled", Aliases: []string{"cancelled"}, StartedOn: Optional, EndedOn: Optional, Weight: 6},
}

// EsriStatusByName returns the row whose name or alias matches s, ignoring
// letter case, spaces, hyphens and underscores ("In Progress" matches
// "inProgress").
func EsriStatusByName(s string) (EsriStatus, bool) {
	key := foldStatus(s)
	for _, st := range EsriStatuses {
		if foldStatus(st.Name) == key {
			return st, true
		}
		for _, a := range st.Aliases {
			if foldStatus(a) == key {
				return st, true
			}
		}
	}
	return EsriStatus{}, false
}

// EsriStatusByCode returns the row of statusCode c.
func EsriStatusByCode(c int) (EsriStatus, bool) {
	for _, st := range EsriStatuses {
		if st.Code == c {
			return st, true
		}
	}
	return EsriStatus{}, false
}

func foldStatus(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// EsriHourFields are the Esri task fields counted in hours, never negative.
var EsriHourFields = []string{"duration", "levelOfEffort"}

// EsriGUIDFields are the Esri task fields that hold GUIDs (any letter case,
// braces optional). workflowJobId is a Workflow Manager job id: not a GUID.
var EsriGUIDFields = []string{"taskWorkId", "taskOperationId"}

// DateOrder says that the date in field Later is not before the date in
// field Earlier, when both are set.
type DateOrder struct {
	Earlier, Later string
}

// EsriDateOrders are the Esri date pairs that must be in order: planned end
// after planned start, actual end after actual start.
var EsriDateOrders = []DateOrder{
	{Earlier: "startOn", Later: "endOn"},
	{Earlier: "startedOn", Later: "endedOn"},
}

// OracleState is one row of the Oracle state table.
type OracleState struct {
	// State is a documented value of Task.state.
	State string
	// Substates are the documented Task.substate values that make sense with
	// the state (inferred: the documentation lists the two enumerations but
	// not their pairs). A task may also have no substate.
	Substates []string
	// Assignee says whether a task in this state has an assignee.
	Assignee Presence
	// Closed states carry completedDate and finishedDate.
	Closed bool
	// Weight is the relative frequency of the state among generated tasks.
	Weight int
}

// OracleStates is the table of Oracle task states and their substates.
// The pair COMPLETED+EXPIRED is the seed example's; the rest is inferred
// from the life-cycle actions of the Reason enumeration.
var OracleStates = []OracleState{
	{State: "ASSIGNED", Substates: []string{"INITIATED", "CLAIMED", "REASSIGNED", "INFO_REQUESTED", "INFO_SUBMITTED", "ESCALATED"}, Assignee: Required, Weight: 40},
	{State: "UNASSIGNED", Substates: []string{"INITIATED", "RELEASED", "REASSIGNED", "ESCALATED"}, Assignee: Forbidden, Weight: 25},
	{State: "DELEGATED", Substates: []string{"REASSIGNED", "INFO_REQUESTED", "INFO_SUBMITTED"}, Assignee: Required, Weight: 5},
	{State: "COMPLETED", Substates: []string{"CLAIMED", "EXPIRED", "REASSIGNED", "ESCALATED", "INFO_SUBMITTED"}, Assignee: Optional, Closed: true, Weight: 20},
	{State: "WITHDRAWN", Substates: []string{"WITHDRAWN", "WITHDRAWN_TERMINATION"}, Assignee: Optional, Weight: 7},
	{State: "FAULTED", Substates: []string{"INITIATED"}, Assignee: Optional, Weight: 3},
}

// OracleStateByName returns the row of state s (exact, upper case as
// documented).
func OracleStateByName(s string) (OracleState, bool) {
	for _, st := range OracleStates {
		if st.State == s {
			return st, true
		}
	}
	return OracleState{}, false
}

// AllowsSubstate reports whether sub is a substate that makes sense with the
// state; the empty substate always does.
func (s OracleState) AllowsSubstate(sub string) bool {
	if sub == "" {
		return true
	}
	for _, x := range s.Substates {
		if x == sub {
			return true
		}
	}
	return false
}

// OracleAction is one row of the table of Reason.action values: the
// life-cycle operation that last changed the task, and the states and
// substates it leaves the task in.
type OracleAction struct {
	// Action is a documented value of Reason.action.
	Action string
	// States are the states the action leaves a task in.
	States []string
	// Substates are the substates it leaves; nil means any substate the
	// state allows.
	Substates []string
	// Weight is the relative frequency of the action among generated tasks.
	Weight int
}

// OracleActions is the table of Reason.action values. EXPIRED leading to
// COMPLETED+EXPIRED is the seed example's; the rest is inferred.
var OracleActions = []OracleAction{
	{Action: "INITIATE", States: []string{"ASSIGNED", "UNASSIGNED", "FAULTED"}, Substates: []string{"INITIATED"}, Weight: 30},
	{Action: "CLAIM", States: []string{"ASSIGNED"}, Substates: []string{"CLAIMED"}, Weight: 15},
	{Action: "RELEASE", States: []string{"UNASSIGNED"}, Substates: []string{"RELEASED"}, Weight: 5},
	{Action: "REASSIGN", States: []string{"ASSIGNED", "UNASSIGNED", "DELEGATED"}, Substates: []string{"REASSIGNED"}, Weight: 8},
	{Action: "INFO_REQUEST", States: []string{"ASSIGNED", "DELEGATED"}, Substates: []string{"INFO_REQUESTED"}, Weight: 4},
	{Action: "INFO_SUBMIT", States: []string{"ASSIGNED", "DELEGATED"}, Substates: []string{"INFO_SUBMITTED"}, Weight: 4},
	{Action: "COMPLETE", States: []string{"COMPLETED"}, Substates: []string{"CLAIMED", "REASSIGNED", "ESCALATED", "INFO_SUBMITTED"}, Weight: 18},
	{Action: "WITHDRAW", States: []string{"WITHDRAWN"}, Substates: []string{"WITHDRAWN", "WITHDRAWN_TERMINATION"}, Weight: 6},
	{Action: "ESCALATE", States: []string{"ASSIGNED", "UNASSIGNED"}, Substates: []string{"ESCALATED"}, Weight: 4},
	{Action: "EXPIRED", States: []string{"COMPLETED"}, Substates: []string{"EXPIRED"}, Weight: 6},
}

// OracleActionByName returns the row of action a.
func OracleActionByName(a string) (OracleAction, bool) {
	for _, x := range OracleActions {
		if x.Action == a {
			return x, true
		}
	}
	return OracleAction{}, false
}

// Fits reports whether the action can have left a task in state and
// substate (an empty substate always fits the substate part).
func (a OracleAction) Fits(state, substate string) bool {
	if !contains(a.States, state) {
		return false
	}
	if substate == "" {
		return true
	}
	if a.Substates == nil {
		st, ok := OracleStateByName(state)
		return ok && st.AllowsSubstate(substate)
	}
	return contains(a.Substates, substate)
}

// OracleDateOrders are the Oracle date pairs that must be in order when
// both are set (the seed example keeps all of them).
var OracleDateOrders = []DateOrder{
	{Earlier: "createdDate", Later: "assignedDate"},
	{Earlier: "assignedDate", Later: "lastUpdatedDate"},
	{Earlier: "createdDate", Later: "lastUpdatedDate"},
	{Earlier: "createdDate", Later: "completedDate"},
	{Earlier: "createdDate", Later: "finishedDate"},
}

// OracleClosedDates are the dates a task in a closed state carries.
var OracleClosedDates = []string{"completedDate", "finishedDate"}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The tables below describe what a task offers and how its latest
// life-cycle operation is detailed. The validator does not check them yet;
// the fake-task generator reads them so that its tasks tell one story.

// OracleSystemUser is the name of the user the server records for the
// operations it performs itself (expiry, escalation, termination, faults),
// as reason.user of the seed example shows.
const OracleSystemUser = "System"

// OracleOffer is one row of the table of what a task offers in a state: the
// system actions of availableActions.system (whose title is their actionId,
// as in the seed example) and whether the task offers the custom actions of
// its task definition, the outcomes such as APPROVE or REJECT.
type OracleOffer struct {
	// State is a documented value of Task.state.
	State string
	// Substates are the substates the row is for; nil means every substate
	// of the state that no other row of the state names.
	Substates []string
	// System are the system action ids offered, in the server's order.
	System []string
	// Custom says whether the custom actions (outcomes) are offered: only a
	// task that is open and with its assignee can be completed.
	Custom bool
}

// OracleOffers is the table of what tasks offer. The COMPLETED row is the
// seed example's; the rest is inferred (inferred: a departure is not an
// error). An UNASSIGNED task must be claimed before it can be completed; a
// task waiting for information offers SUBMIT_INFO instead of its outcomes;
// a closed, withdrawn or faulted task offers no outcome.
var OracleOffers = []OracleOffer{
	{State: "ASSIGNED", System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT", "REASSIGN", "DELEGATE", "ESCALATE", "REQUEST_INFO"}, Custom: true},
	{State: "ASSIGNED", Substates: []string{"CLAIMED"}, System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT", "RELEASE", "REASSIGN", "DELEGATE", "ESCALATE", "REQUEST_INFO"}, Custom: true},
	{State: "ASSIGNED", Substates: []string{"INFO_REQUESTED"}, System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT", "SUBMIT_INFO"}},
	{State: "UNASSIGNED", System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT", "CLAIM", "REASSIGN"}},
	{State: "DELEGATED", System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT", "REASSIGN", "REQUEST_INFO"}, Custom: true},
	{State: "DELEGATED", Substates: []string{"INFO_REQUESTED"}, System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT", "SUBMIT_INFO"}},
	{State: "COMPLETED", System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_DOCUMENT", "ADD_COMMENT"}},
	{State: "WITHDRAWN", System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK"}},
	{State: "FAULTED", System: []string{"VIEW_TASK_PAYLOAD", "VIEW_TASK", "ADD_COMMENT"}},
}

// OracleOfferFor returns the row of OracleOffers for a task in state and
// substate: the row that names the substate, else the state's row with nil
// Substates.
func OracleOfferFor(state, substate string) (OracleOffer, bool) {
	var general OracleOffer
	found := false
	for _, o := range OracleOffers {
		if o.State != state {
			continue
		}
		if o.Substates == nil {
			general, found = o, true
		} else if substate != "" && contains(o.Substates, substate) {
			return o, true
		}
	}
	return general, found
}

// OracleSubaction is one row of the table of Reason.subaction values: the
// state (and substates) it goes with, the action it details, and whether
// reason.errorMessage is set.
type OracleSubaction struct {
	// Subaction is a documented value of Reason.subaction.
	Subaction string
	// State is the state of a task whose reason carries the subaction.
	State string
	// Substates are the substates it goes with; nil means any.
	Substates []string
	// Action is the reason.action the subaction details.
	Action string
	// ErrorMessage says whether reason.errorMessage is set.
	ErrorMessage Presence
}

// OracleSubactions is the table of Reason.subaction values (inferred): a
// FAULTED task failed while it was being initiated, and says why in
// reason.errorMessage; a task withdrawn because its process instance was
// terminated (WITHDRAWN_TERMINATION) carries the subaction TERMINATED.
var OracleSubactions = []OracleSubaction{
	{Subaction: "FAULTED", State: "FAULTED", Action: "INITIATE", ErrorMessage: Required},
	{Subaction: "TERMINATED", State: "WITHDRAWN", Substates: []string{"WITHDRAWN_TERMINATION"}, Action: "WITHDRAW", ErrorMessage: Forbidden},
}

// OracleSubactionFor returns the row of OracleSubactions that a task in
// state and substate carries, if any.
func OracleSubactionFor(state, substate string) (OracleSubaction, bool) {
	for _, s := range OracleSubactions {
		if s.State == state && (s.Substates == nil || contains(s.Substates, substate)) {
			return s, true
		}
	}
	return OracleSubaction{}, false
}

// OracleActionsFor returns the actions that can have left a task in state
// and substate, telling the most specific story: the actions that name the
// substate (EXPIRED for COMPLETED+EXPIRED), else those that allow any
// substate of the state (COMPLETE for COMPLETED+CLAIMED). The result is in
// table order; it is empty for a pair no action leads to.
func OracleActionsFor(state, substate string) []OracleAction {
	var named, general []OracleAction
	for _, a := range OracleActions {
		if !a.Fits(state, substate) {
			continue
		}
		if a.Substates != nil {
			named = append(named, a)
		} else {
			general = append(general, a)
		}
	}
	if len(named) > 0 {
		return named
	}
	return general
}
