"""A real OpenLDAP server on loopback for the directory sign-in tests (Debian's `slapd`).

Started from a generated cn=config (slapadd -n0) in a temporary directory, on a free port: an mdb
database with the memberof overlay (groupOfNames/member gives users a `memberOf`), and the three
Active Directory attributes sign-in reads (sAMAccountName, userPrincipalName, userAccountControl, with
AD's own OIDs; Debian's msuser schema clashes with inetorgperson), so AD-like entries sit next to
plain OpenLDAP ones (inetOrgPerson, uid).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SLAPD, SLAPADD, LDAPMODIFY = "/usr/sbin/slapd", "/usr/sbin/slapadd", "/usr/bin/ldapmodify"
SCHEMA = Path("/etc/ldap/schema")
BASE = "dc=okno,dc=test"
ADMIN_DN, ADMIN_PW = f"cn=admin,{BASE}", "admin-secret"
SERVICE_DN, SERVICE_PW = f"cn=okno-reader,ou=service,{BASE}", "reader-secret"


def missing() -> str | None:
    """What to install when the peer can't run (the tests fail with this, they never skip)."""
    if not (Path(SLAPD).exists() and Path(SLAPADD).exists()):
        return "slapd is not installed: apt-get install -y slapd ldap-utils"
    if not Path(LDAPMODIFY).exists():
        return "ldapmodify is not installed: apt-get install -y ldap-utils"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(db_dir: Path) -> str:
    schemas = "".join(f"include: file://{SCHEMA / name}.ldif\n" for name in ("core", "cosine", "inetorgperson"))
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{schemas}
dn: cn=ad,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: ad
olcAttributeTypes: ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
olcObjectClasses: ( 1.3.6.1.4.1.99999.1.1 NAME 'oknoAdAccount' AUXILIARY
  MAY ( sAMAccountName $ userPrincipalName $ userAccountControl ) )

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {BASE}
olcRootDN: {ADMIN_DN}
olcRootPW: {ADMIN_PW}
olcDbDirectory: {db_dir}
olcDbMaxSize: 104857600
olcAccess: {{0}}to attrs=userPassword by self auth by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact="{SERVICE_DN}" read by self read by * none

dn: olcOverlay={{0}}memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {{0}}memberof
olcMemberOfGroupOC: groupOfNames
olcMemberOfRefInt: TRUE
"""


class Slapd:
    """Start, load entries (LDIF through ldapmodify as the directory's root), stop."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="okno-slapd-"))
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Slapd:
        problem = missing()
        if problem:
            raise RuntimeError(problem)
        (self.dir / "slapd.d").mkdir()
        (self.dir / "db").mkdir()
        (self.dir / "config.ldif").write_text(_config(self.dir / "db"))
        subprocess.run([SLAPADD, "-n0", "-F", str(self.dir / "slapd.d"), "-l", str(self.dir / "config.ldif")],
                       check=True, capture_output=True)
        # -d 0: stays in the foreground, so terminate() stops it; as root it would otherwise switch to no user.
        self.log = (self.dir / "slapd.log").open("wb")
        self.proc = subprocess.Popen([SLAPD, "-d", "0", "-F", str(self.dir / "slapd.d"), "-h", self.url + "/"],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("slapd did not open its port")
        if self.proc.poll() is not None:
            raise RuntimeError("slapd exited: " + (self.dir / "slapd.log").read_text(errors="replace"))
        self.modify(f"""dn: {BASE}
changetype: add
objectClass: dcObject
objectClass: organization
dc: okno
o: Okno test

dn: ou=service,{BASE}
changetype: add
objectClass: organizationalUnit
ou: service

dn: ou=people,{BASE}
changetype: add
objectClass: organizationalUnit
ou: people

dn: ou=groups,{BASE}
changetype: add
objectClass: organizationalUnit
ou: groups

dn: {SERVICE_DN}
changetype: add
objectClass: person
cn: okno-reader
sn: reader
userPassword: {SERVICE_PW}
""")
        return self

    def modify(self, ldif: str) -> None:
        """Apply an LDIF with changetype records (add, modify, delete), as the directory's root."""
        result = subprocess.run([LDAPMODIFY, "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PW],
                                input=ldif.encode(), capture_output=True)
        if result.returncode:
            raise RuntimeError(f"ldapmodify failed: {result.stderr.decode(errors='replace')}\n{ldif}")

    def add_ad_user(self, sam: str, password: str, *, name: str, disabled: bool = False) -> str:
        """An Active Directory-like user; returns its DN. userAccountControl 512 = normal, 514 = disabled."""
        dn = f"cn={name},ou=people,{BASE}"
        self.modify(f"""dn: {dn}
changetype: add
objectClass: inetOrgPerson
objectClass: oknoAdAccount
cn: {name}
sn: {name.split()[-1]}
displayName: {name}
sAMAccountName: {sam}
userPrincipalName: {sam}@corp.okno.test
mail: {sam}@okno.test
userPassword: {password}
userAccountControl: {514 if disabled else 512}
""")
        return dn

    def add_posix_user(self, uid: str, password: str, *, name: str) -> str:
        """An OpenLDAP user (inetOrgPerson, uid); returns its DN."""
        dn = f"uid={uid},ou=people,{BASE}"
        self.modify(f"""dn: {dn}
changetype: add
objectClass: inetOrgPerson
uid: {uid}
cn: {name}
sn: {name.split()[-1]}
mail: {uid}@okno.test
userPassword: {password}
""")
        return dn

    def add_group(self, cn: str, *members: str) -> str:
        dn = f"cn={cn},ou=groups,{BASE}"
        # groupOfNames needs at least one member: the service account holds the place of an empty group.
        body = "".join(f"member: {m}\n" for m in (members or (SERVICE_DN,)))
        self.modify(f"dn: {dn}\nchangetype: add\nobjectClass: groupOfNames\ncn: {cn}\n{body}")
        return dn

    def set_members(self, group_dn: str, *members: str) -> None:
        body = "".join(f"member: {m}\n" for m in (members or (SERVICE_DN,)))
        self.modify(f"dn: {group_dn}\nchangetype: modify\nreplace: member\n{body}")

    def set_attribute(self, dn: str, name: str, value: str) -> None:
        self.modify(f"dn: {dn}\nchangetype: modify\nreplace: {name}\n{name}: {value}\n")

    def delete(self, dn: str) -> None:
        self.modify(f"dn: {dn}\nchangetype: delete\n")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
