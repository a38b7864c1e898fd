"""Every ``type`` string of the messaging protocol, in one place (PROTOCOL.md section 3).

Plain strings and nothing else: the client's typed table
(:mod:`~rx_lpagent.protocol.request_specs`), its notification structs, its Node SDK view and the
emulator (which shares no other part of :mod:`rx_lpagent.protocol` for what it reads) all spell
a type through these names, so a typo is a NameError instead of a request nobody answers.
"""

from __future__ import annotations

from typing import Final

# --- the 16 requests a client sends (PROTOCOL.md 3.1) ---
GET_CLOCK: Final = ".GetClock"
AGENT_REQUEST_CONVERSATION: Final = ".ams.cm.AgentRequestConversation"
SUBSCRIBE_EX_CONVERSATIONS: Final = ".ams.aam.SubscribeExConversations"
UNSUBSCRIBE_EX_CONVERSATIONS: Final = ".ams.aam.UnsubscribeExConversations"
UPDATE_CONVERSATION_FIELD: Final = ".ams.cm.UpdateConversationField"
PUBLISH_EVENT: Final = ".ams.ms.PublishEvent"
UPDATE_RING_STATE: Final = ".ams.routing.UpdateRingState"
SUBSCRIBE_ROUTING_TASKS: Final = ".ams.routing.SubscribeRoutingTasks"
UPDATE_ROUTING_TASK_SUBSCRIPTION: Final = ".ams.routing.UpdateRoutingTaskSubscription"
GET_USER_PROFILE: Final = ".ams.userprofile.GetUserProfile"
SET_AGENT_STATE: Final = ".ams.routing.SetAgentState"
SUBSCRIBE_AGENTS_STATE: Final = ".ams.routing.SubscribeAgentsState"
QUERY_MESSAGES: Final = ".ams.ms.QueryMessages"
"""What the Node SDK's ``subscribeMessagingEvents`` sends."""
GENERATE_URL_FOR_DOWNLOAD_FILE: Final = ".ams.ms.GenerateURLForDownloadFile"
GENERATE_URL_FOR_UPLOAD_FILE: Final = ".ams.ms.GenerateURLForUploadFile"
GENERATE_DOWNLOAD_TOKEN: Final = ".ams.ms.token.GenerateDownloadToken"

# --- notifications the server pushes (PROTOCOL.md 3.2) ---
EX_CONVERSATION_CHANGE_NOTIFICATION: Final = ".ams.aam.ExConversationChangeNotification"
ROUTING_TASK_NOTIFICATION: Final = ".ams.routing.RoutingTaskNotification"
AGENT_STATE_NOTIFICATION: Final = ".ams.routing.AgentStateNotification"
ONLINE_EVENT_DISTRIBUTION: Final = ".ams.ms.OnlineEventDistribution"
RING_UPDATED: Final = ".ams.routing.RingUpdated"

# --- the ``type`` of the server's responses (clients match responses by ``reqId``, not these) ---
GET_CLOCK_RESPONSE: Final = ".GetClock$Response"
REQUEST_CONVERSATION_RESPONSE: Final = ".ams.cm.RequestConversationResponse"
UPDATE_CONVERSATION_FIELD_RESPONSE: Final = "cm.UpdateConversationFieldResponse"
PUBLISH_EVENT_RESPONSE: Final = ".ams.ms.PublishEventResponse"
GET_USER_PROFILE_RESPONSE: Final = ".ams.userprofile.GetUserProfile$Response"
QUERY_MESSAGES_RESPONSE: Final = ".ams.ms.QueryMessages$Response"
GENERATE_DOWNLOAD_TOKEN_RESPONSE: Final = ".ams.ms.token.GenerateDownloadTokenResponse"
GENERATE_URL_RESPONSE: Final = "ms.GenerateURLResponse"
SUBSCRIBE_RESPONSE: Final = ".ams.GenericSubscribe$Response"
STRING_RESPONSE: Final = ".ReqBody$StringResp"
"""A reply whose body is a bare string (202s, and every error the server words itself)."""

# --- the Node SDK's own names (never on the wire; what ported bots listen for and call) ---
NODE_SUBSCRIBE_MESSAGING_EVENTS: Final = "ms.SubscribeMessagingEvents"
NODE_MESSAGING_EVENT_NOTIFICATION: Final = "ms.MessagingEventNotification"
NODE_EX_CONVERSATION_CHANGE_NOTIFICATION: Final = "cqm.ExConversationChangeNotification"
NODE_ROUTING_TASK_NOTIFICATION: Final = "routing.RoutingTaskNotification"
NODE_AGENT_STATE_NOTIFICATION: Final = "routing.AgentStateNotification"
NODE_DEPRECATED: Final = "deprecated"
"""What the Node SDK turns a ``.ams.routing.RingUpdated`` into."""
