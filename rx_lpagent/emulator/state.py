"""The emulator's in-memory world: accounts, agents, sessions, consumers and conversations.

Pure data and the JSON shapes LivePerson sends for it (conversation details, routing task
results, message events); no I/O. The :mod:`~rx_lpagent.emulator.engine` changes this state and
tells the sockets.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AgentUser",
    "AppCredentials",
    "Consumer",
    "Conversation",
    "Dialog",
    "Ring",
    "Session",
    "World",
    "default_profile",
    "now_ms",
]

AVAILABILITIES = frozenset({"ONLINE", "AWAY", "BACK_SOON", "OFFLINE", "OCCUPIED"})
ROLES = ("CONSUMER", "ASSIGNED_AGENT", "MANAGER", "READER", "CONTROLLER")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, repr=False)
class AppCredentials(Mapping[str, str]):
    """An app-key agent's login fields. A mapping with the wire names (``appKey``, ...), with
    attributes in both spellings; its repr hides the secrets."""

    username: str
    app_key: str
    secret: str
    access_token: str
    access_token_secret: str

    @property
    def appKey(self) -> str:
        return self.app_key

    @property
    def accessToken(self) -> str:
        return self.access_token

    @property
    def accessTokenSecret(self) -> str:
        return self.access_token_secret

    def as_dict(self) -> dict[str, str]:
        return {
            "username": self.username,
            "appKey": self.app_key,
            "secret": self.secret,
            "accessToken": self.access_token,
            "accessTokenSecret": self.access_token_secret,
        }

    def __getitem__(self, key: str) -> str:
        return self.as_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return 5

    def __repr__(self) -> str:
        return f"AppCredentials(username={self.username!r}, secrets=***)"


@dataclass(repr=False, eq=False)
class AgentUser:
    """An agent of an account and how it logs in (one credential kind per agent)."""

    account: str
    user_id: str
    login_name: str
    pid: str = field(default_factory=lambda: str(uuid.uuid4()))
    password: str | None = None
    app: AppCredentials | None = None
    assertion: str | None = None
    availability: str = "OFFLINE"
    description: str = ""

    @property
    def old_id(self) -> str:
        """The id messages use for this agent: ``"{account}.{userId}"``."""
        return f"{self.account}.{self.user_id}"

    def accepts(self, body: Mapping[str, Any]) -> bool:
        """Whether a login body carries this agent's credentials."""
        if self.password is not None and "password" in body:
            return body.get("username") == self.login_name and _same(
                body.get("password"), self.password
            )
        if self.assertion is not None and "assertion" in body:
            return _same(body.get("assertion"), self.assertion)
        if self.app is not None and "appKey" in body:
            return all(_same(body.get(key), value) for key, value in self.app.items())
        return False

    def __repr__(self) -> str:
        return f"AgentUser({self.old_id!r}, login_name={self.login_name!r})"


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and secrets.compare_digest(given.encode(), expected.encode())


@dataclass(repr=False, eq=False)
class Session:
    """A login: bearer for the socket, csrf and cookie for refresh and logout."""

    agent: AgentUser
    expires_at: float
    bearer: str = field(default_factory=lambda: secrets.token_hex(32))
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))
    cookie: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    session_valid: bool = True
    bearer_valid: bool = True

    def __repr__(self) -> str:
        return f"Session(agent={self.agent.old_id!r}, bearer=***)"


def default_profile(consumer_id: str) -> dict[str, Any]:
    return {
        "firstName": "Test",
        "lastName": "Consumer",
        "acr": "0",
        "privateData": {"mobileNum": "+1-555-0100", "email": "consumer@example.com"},
        "authenticatedData": {
            "lp_sdes": [{"type": "ctmrinfo", "info": {"customerId": consumer_id}}]
        },
        "claims": {"lp_sdes": [{"type": "personal", "personal": {"firstname": "Test"}}]},
    }


@dataclass(eq=False)
class Consumer:
    account: str
    consumer_id: str
    profile: dict[str, Any]


@dataclass(eq=False)
class Dialog:
    dialog_id: str
    dialog_type: str = "MAIN"
    channel_type: str = "MESSAGING"
    state: str = "OPEN"
    creation_ts: int = field(default_factory=now_ms)
    end_ts: int | None = None
    closed_by: str | None = None


@dataclass(eq=False)
class Ring:
    ring_id: str
    agent: AgentUser
    conversation: Conversation
    expiration_ms: int
    created_ms: int = field(default_factory=now_ms)
    state: str = "WAITING"
    task_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(eq=False)
class Conversation:
    """A conversation with its one MAIN dialog (more dialogs may be added) and its events."""

    account: str
    consumer_id: str
    skill_id: str = "-1"
    conv_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: str = "OPEN"
    stage: str = "OPEN"
    start_ts: int = field(default_factory=now_ms)
    end_ts: int | None = None
    close_reason: str | None = None
    ttr_type: str = "NORMAL"
    ttr_value: int = 3600
    csat_rate: int = 0
    note: str = ""
    group_id: str = "-1"
    participants: dict[str, list[str]] = field(default_factory=dict)
    dialogs: list[Dialog] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    next_sequence: int = 0
    updated_ms: int = field(default_factory=now_ms)
    unread: dict[str, int] = field(default_factory=dict)
    rejected_by: set[str] = field(default_factory=set)
    suggested_agent: str | None = None
    ring: Ring | None = None

    def __post_init__(self) -> None:
        if not self.dialogs:
            self.dialogs.append(Dialog(self.conv_id, creation_ts=self.start_ts))
        self.participants.setdefault("CONSUMER", [self.consumer_id])

    @property
    def is_open(self) -> bool:
        return self.state == "OPEN"

    def dialog(self, dialog_id: str) -> Dialog | None:
        return next((d for d in self.dialogs if d.dialog_id == dialog_id), None)

    def roles_of(self, participant: str) -> list[str]:
        return [role for role, ids in self.participants.items() if participant in ids]

    def add_participant(self, role: str, participant: str) -> None:
        ids = self.participants.setdefault(role, [])
        if participant not in ids:
            ids.append(participant)

    def remove_participant(self, participant: str, role: str | None = None) -> bool:
        removed = False
        for each_role, ids in list(self.participants.items()):
            if (role is None or role == each_role) and participant in ids:
                ids.remove(participant)
                removed = True
                if not ids:
                    del self.participants[each_role]
        return removed

    @property
    def assigned_agent(self) -> str | None:
        agents = self.participants.get("ASSIGNED_AGENT")
        return agents[0] if agents else None

    def touch(self) -> None:
        self.updated_ms = max(now_ms(), self.updated_ms + 1)

    def take_sequence(self) -> int:
        sequence = self.next_sequence
        self.next_sequence += 1
        return sequence

    def details(self, pid_of: Mapping[str, str]) -> dict[str, Any]:
        """``conversationDetails`` as an ExConversationChangeNotification carries them."""
        details: dict[str, Any] = {
            "convId": self.conv_id,
            "skillId": self.skill_id,
            "brandId": self.account,
            "note": self.note,
            "groupId": self.group_id,
            "csatRate": self.csat_rate,
            "participants": {role: list(ids) for role, ids in self.participants.items()},
            "participantsPId": {
                role: [pid_of.get(each, each) for each in ids]
                for role, ids in self.participants.items()
            },
            "dialogs": [self._dialog_details(dialog) for dialog in self.dialogs],
            "state": self.state,
            "stage": self.stage,
            "startTs": self.start_ts,
            "metaDataLastUpdateTs": self.updated_ms,
            "ttr": {"ttrType": self.ttr_type, "value": self.ttr_value},
        }
        if self.end_ts is not None:
            details["endTs"] = self.end_ts
        if self.close_reason is not None:
            details["closeReason"] = self.close_reason
        return details

    def _dialog_details(self, dialog: Dialog) -> dict[str, Any]:
        participants = [
            {"id": each, "role": role, "state": "ACTIVE"}
            for role, ids in self.participants.items()
            for each in ids
        ]
        if self.suggested_agent is not None:
            participants.append(
                {"id": self.suggested_agent, "role": "ASSIGNED_AGENT", "state": "SUGGESTED"}
            )
        details: dict[str, Any] = {
            "dialogId": dialog.dialog_id,
            "participantsDetails": participants,
            "dialogType": dialog.dialog_type,
            "channelType": dialog.channel_type,
            "state": dialog.state,
            "creationTs": dialog.creation_ts,
            "metaDataLastUpdateTs": self.updated_ms,
        }
        if dialog.end_ts is not None:
            details["endTs"] = dialog.end_ts
        if dialog.closed_by is not None:
            details["closedBy"] = dialog.closed_by
        return details

    def result(self, pid_of: Mapping[str, str]) -> dict[str, Any]:
        """One ``changes[].result`` of an ExConversationChangeNotification."""
        last_content = next(
            (m for m in reversed(self.messages) if m["event"].get("type") == "ContentEvent"),
            None,
        )
        result: dict[str, Any] = {
            "convId": self.conv_id,
            "effectiveTTR": -1,
            "lastUpdateTime": self.updated_ms,
            "numberOfunreadMessages": dict(self.unread),
            "conversationDetails": self.details(pid_of),
        }
        if last_content is not None:
            result["lastContentEventNotification"] = last_content
        return result


@dataclass(eq=False)
class Account:
    account_id: str
    agents: list[AgentUser] = field(default_factory=list)
    consumers: dict[str, Consumer] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)


class World:
    """Accounts with their agents, consumers and conversations; sessions by bearer and cookie."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, Session] = {}
        self.sessions_by_cookie: dict[str, Session] = {}
        self._next_user_id = 5551234

    def add_account(self, account_id: str) -> Account:
        return self.accounts.setdefault(account_id, Account(account_id))

    def add_agent(
        self,
        account_id: str,
        login_name: str,
        *,
        password: str | None = None,
        app: AppCredentials | None = None,
        assertion: str | None = None,
        user_id: str | None = None,
    ) -> AgentUser:
        if user_id is None:
            user_id = str(self._next_user_id)
            self._next_user_id += 1
        agent = AgentUser(
            account_id,
            user_id,
            login_name,
            password=password,
            app=app,
            assertion=assertion,
        )
        self.add_account(account_id).agents.append(agent)
        return agent

    def consumer(
        self, account_id: str, consumer_id: str, profile: dict[str, Any] | None = None
    ) -> Consumer:
        """The consumer record (created with a default profile on first use)."""
        consumers = self.add_account(account_id).consumers
        record = consumers.get(consumer_id)
        if record is None:
            record = consumers[consumer_id] = Consumer(
                account_id, consumer_id, profile or default_profile(consumer_id)
            )
        elif profile is not None:
            record.profile = profile
        return record

    def authenticate(self, account_id: str, body: Mapping[str, Any]) -> AgentUser | None:
        account = self.accounts.get(account_id)
        if account is None:
            return None
        return next((agent for agent in account.agents if agent.accepts(body)), None)

    def agent_by_old_id(self, account_id: str, old_id: str) -> AgentUser | None:
        account = self.accounts.get(account_id)
        if account is None:
            return None
        return next((a for a in account.agents if a.old_id == old_id), None)

    def pid_map(self, account_id: str) -> dict[str, str]:
        account = self.accounts.get(account_id)
        return {} if account is None else {a.old_id: a.pid for a in account.agents}

    def open_session(self, agent: AgentUser, expires_at: float) -> Session:
        session = Session(agent, expires_at)
        self.sessions[session.bearer] = session
        self.sessions_by_cookie[session.cookie] = session
        return session

    def drop_session(self, session: Session) -> None:
        session.session_valid = session.bearer_valid = False
        self.sessions.pop(session.bearer, None)
        self.sessions_by_cookie.pop(session.cookie, None)

    def conversation(self, conv_id: str) -> Conversation | None:
        for account in self.accounts.values():
            found = account.conversations.get(conv_id)
            if found is not None:
                return found
        return None

    def conversation_of_dialog(self, account_id: str, dialog_id: str) -> Conversation | None:
        account = self.accounts.get(account_id)
        if account is None:
            return None
        for conversation in account.conversations.values():
            if conversation.dialog(dialog_id) is not None:
                return conversation
        return None
