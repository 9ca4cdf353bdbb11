"""A small Exchange Web Services endpoint on loopback, for exchangelib in tests.

It answers the SOAP operations the email channel uses — GetFolder, FindItem (IsRead and
DateTimeReceived restrictions), GetItem with MimeContent, UpdateItem (mark read), MoveItem,
CreateItem (SendAndSaveCopy with MimeContent) — with EWS-shaped responses: one ResponseMessage
per requested id, booleans as true/false, a ServerVersionInfo header. Basic auth.
"""
from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

from tests.email.peers import free_port

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
HEAD = (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{S}" xmlns:m="{M}" xmlns:t="{T}"><s:Header>'
        '<t:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
        'Version="V2017_07_11"/></s:Header><s:Body>')
TAIL = "</s:Body></s:Envelope>"
FOLDERS = {"inbox": "Inbox", "sentitems": "Sent Items", "msgfolderroot": "Top of Information Store"}


@dataclass
class Item:
    id: str
    mime: bytes
    folder: str = "inbox"
    is_read: bool = False
    received: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    changekey: int = 1


class EwsState:
    def __init__(self):
        self.items: dict[str, Item] = {}
        self.sent: list[bytes] = []
        self.operations: list[str] = []
        self._ids = itertools.count(1)
        self.lock = threading.Lock()

    def deliver(self, mime: bytes, folder: str = "inbox", is_read: bool = False) -> Item:
        with self.lock:
            item = Item(id=f"AAMk{next(self._ids):06d}", mime=mime, folder=folder, is_read=is_read)
            self.items[item.id] = item
            return item


def _ok(op: str, inner: str = "") -> str:
    return f'<m:{op}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>{inner}' \
           f'</m:{op}ResponseMessage>'


def _error(op: str, code: str, text: str) -> str:
    return f'<m:{op}ResponseMessage ResponseClass="Error"><m:MessageText>{text}</m:MessageText>' \
           f'<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>' \
           f'</m:{op}ResponseMessage>'


def _wrap(op: str, messages: list[str]) -> str:
    return f"<m:{op}Response><m:ResponseMessages>{''.join(messages)}</m:ResponseMessages></m:{op}Response>"


def _item_id(item: Item) -> str:
    return f'<t:ItemId Id="{item.id}" ChangeKey="CK{item.changekey}"/>'


def _folder_xml(key: str, state: EwsState) -> str:
    items = [i for i in state.items.values() if i.folder == key]
    return (f'<t:Folder><t:FolderId Id="F-{key}" ChangeKey="FCK"/><t:FolderClass>IPF.Note</t:FolderClass>'
            f'<t:DisplayName>{FOLDERS.get(key, key)}</t:DisplayName><t:TotalCount>{len(items)}</t:TotalCount>'
            f'<t:ChildFolderCount>0</t:ChildFolderCount>'
            f'<t:UnreadCount>{sum(not i.is_read for i in items)}</t:UnreadCount></t:Folder>')


def _folder_key(el) -> str:
    ref = el.find(f".//{{{T}}}DistinguishedFolderId")
    if ref is not None:
        return ref.get("Id")
    ref = el.find(f".//{{{T}}}FolderId")
    return ref.get("Id").removeprefix("F-") if ref is not None else "inbox"


def _matches(item: Item, restriction) -> bool:
    """The restrictions exchangelib sends for filter(is_read=False) and filter(datetime_received__gte=...)."""
    if restriction is None:
        return True
    for cond in restriction.iter():
        uri = cond.find(f"{{{T}}}FieldURI")
        const = cond.find(f".//{{{T}}}Constant")
        if uri is None or const is None:
            continue
        value, name, op = const.get("Value"), uri.get("FieldURI"), etree.QName(cond).localname
        if name == "message:IsRead" and (item.is_read != (value.lower() in ("true", "1"))):
            return False
        if name == "item:DateTimeReceived" and op == "IsGreaterThanOrEqualTo":
            if item.received < datetime.fromisoformat(value.replace("Z", "+00:00")):
                return False
    return True


def handle(state: EwsState, body: bytes) -> str:
    root = etree.fromstring(body)
    request = root.find(f"{{{S}}}Body")[0]
    op = etree.QName(request).localname
    state.operations.append(op)
    with state.lock:
        if op == "GetFolder":
            keys = [_folder_key(ref) for ref in request.find(f"{{{M}}}FolderIds")]
            return _wrap(op, [_ok(op, f"<m:Folders>{_folder_xml(k, state)}</m:Folders>") for k in keys])
        if op == "FindItem":
            folder = _folder_key(request.find(f"{{{M}}}ParentFolderIds"))
            restriction = request.find(f"{{{M}}}Restriction")
            found = sorted((i for i in state.items.values() if i.folder == folder and _matches(i, restriction)),
                           key=lambda i: i.received)
            page = request.find(f"{{{M}}}IndexedPageItemView")
            offset = int(page.get("Offset", 0)) if page is not None else 0
            size = int(page.get("MaxEntriesReturned", 100)) if page is not None else len(found)
            chunk = found[offset:offset + size]
            last = "true" if offset + len(chunk) >= len(found) else "false"
            items = "".join(f"<t:Message>{_item_id(i)}</t:Message>" for i in chunk)
            return _wrap(op, [_ok(op, f'<m:RootFolder IndexedPagingOffset="{offset + len(chunk)}" '
                                      f'TotalItemsInView="{len(found)}" IncludesLastItemInRange="{last}">'
                                      f"<t:Items>{items}</t:Items></m:RootFolder>")])
        if op == "GetItem":
            out = []
            for ref in request.find(f"{{{M}}}ItemIds"):
                item = state.items.get(ref.get("Id"))
                if item is None:
                    out.append(_error(op, "ErrorItemNotFound", "The specified object was not found in the store."))
                    continue
                mime = base64.b64encode(item.mime).decode()
                out.append(_ok(op, f'<m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">{mime}</t:MimeContent>'
                                   f"{_item_id(item)}<t:IsRead>{str(item.is_read).lower()}</t:IsRead>"
                                   "</t:Message></m:Items>"))
            return _wrap(op, out)
        if op == "UpdateItem":
            out = []
            for change in request.iter(f"{{{T}}}ItemChange"):
                item = state.items[change.find(f"{{{T}}}ItemId").get("Id")]
                value = change.find(f".//{{{T}}}IsRead")
                if value is not None:
                    item.is_read = value.text.strip().lower() in ("true", "1")
                item.changekey += 1
                out.append(_ok(op, f"<m:Items><t:Message>{_item_id(item)}</t:Message></m:Items>"
                                   "<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>"))
            return _wrap(op, out)
        if op == "MoveItem":
            target = _folder_key(request.find(f"{{{M}}}ToFolderId"))
            out = []
            for ref in request.find(f"{{{M}}}ItemIds"):
                old = state.items.pop(ref.get("Id"))
                new = Item(id=old.id + "-moved", mime=old.mime, folder=target, is_read=old.is_read,
                           received=old.received)  # EWS gives a moved item a new id
                state.items[new.id] = new
                out.append(_ok(op, f"<m:Items><t:Message>{_item_id(new)}</t:Message></m:Items>"))
            return _wrap(op, out)
        if op == "CreateItem":
            out = []
            for message in request.find(f"{{{M}}}Items"):
                mime = message.find(f"{{{T}}}MimeContent")
                state.sent.append(base64.b64decode(mime.text) if mime is not None else etree.tostring(message))
                out.append(_ok(op, "<m:Items/>"))
            return _wrap(op, out)
    raise NotImplementedError(op)


class EwsServer:
    def __init__(self, user: str = "help@corp.test", password: str = "pw"):
        self.state = EwsState()
        self.port = free_port()
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        state, auth = self.state, self.auth

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                if self.headers.get("Authorization") != auth:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="ews"')
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    answer, status = HEAD + handle(state, body) + TAIL, 200
                except NotImplementedError as err:
                    answer, status = (f'{HEAD}<s:Fault><faultcode>s:Client</faultcode><faultstring>'
                                      f"not implemented: {err}</faultstring></s:Fault>{TAIL}"), 500
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/EWS/Exchange.asmx"

    def start(self) -> EwsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
