"""Email alerts for operators: run failures, failed blocking checks, stale councils.

SMTP settings are the Settings' smtp_* and alert_* fields (RAA_SMTP_HOST, ...). With no
RAA_SMTP_HOST or RAA_ALERT_TO nothing is sent and a log line says so. A mail server that cannot
be reached never stops what raised the alert (a night, a sensor): the alert is kept as a file
under <outbox>/alerts_not_sent/ and an error line says so. The next alert that goes through
sends the kept ones after it, oldest first, each marked late, and moves them to
<outbox>/alerts_sent_late/. A kept alert of the same problem (`once_a_day`, below) as the one
being sent is not sent on its own: that one says when it was first raised.

An alert about a standing problem (a stale or withheld council, a failed load) names it by its
`once_a_day` key: the same problem is emailed once a day (UTC), however many builds meet it;
<outbox>/alerts_sent_today.txt keeps the day's keys. Others are sent each time.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from pipelines.settings import Settings

log = logging.getLogger(__name__)
UNSENT = "alerts_not_sent"
SENT_LATE = "alerts_sent_late"
SENT_TODAY = "alerts_sent_today.txt"


@dataclass(frozen=True)
class Alert:
    subject: str
    problem: str
    what_to_do: str
    council: str | None = None
    # what makes two alerts the same problem (none: every alert is sent)
    once_a_day: str | None = None

    def body(self) -> str:
        lines = [f"Council: {self.council}"] if self.council else []
        lines += [f"Problem: {self.problem}", "", f"What to do: {self.what_to_do}"]
        return "\n".join(lines) + "\n"


def send_alert(alert: Alert, smtp: Settings, logger: logging.Logger = log) -> bool:
    """Send the alert; False (and a log line) when SMTP is not configured, or when the mail
    server cannot be reached or refuses it (the alert then kept as a file: keep_unsent)."""
    if not smtp.email_configured:
        logger.warning(f"alert not sent (RAA_SMTP_HOST / RAA_ALERT_TO unset): {alert.subject}")
        return False
    key = _one_line(alert.once_a_day) if alert.once_a_day else None
    sent_today = _sent_today(smtp.outbox_dir) if key else {}
    if key in sent_today:
        logger.info(f"alert not sent again (the same was sent at {sent_today[key]} UTC today): "
                    f"{alert.subject}")  # fmt: skip
        return False
    # The same problem kept while the mail server was down goes in this one, not as its own.
    earlier = _kept_as(key, smtp.outbox_dir) if key else []
    body = alert.body() + "".join(
        f"\nAlso raised {_raised(path):%d/%m/%Y %H:%M} UTC, when it could not be emailed (the "
        "mail server was not reached).\n"
        for path in earlier
    )
    try:
        _deliver(alert.subject, body, smtp)
    except (OSError, smtplib.SMTPException) as exc:
        kept = keep_unsent(alert, smtp.outbox_dir)
        logger.error(
            f"alert NOT sent (mail server {smtp.smtp_host}:{smtp.smtp_port}: "
            f"{type(exc).__name__}: {exc}); kept in {kept}: {alert.subject}"
        )
        return False
    logger.info(f"alert sent to {', '.join(smtp.alert_to)}: {alert.subject}")
    if key:
        _record_sent(key, smtp.outbox_dir, first_today=not sent_today)
    for path in earlier:
        _move_sent_late(path, smtp.outbox_dir)
        logger.info(f"alert kept in {path} sent within the one above: {alert.subject}")
    _send_kept(smtp, logger)
    return True


def _sent_today(outbox: Path) -> dict[str, str]:
    """The `once_a_day` keys emailed today (UTC), each with the time (HH:MM) it went."""
    path = outbox / SENT_TODAY
    if not path.exists():
        return {}
    day, *lines = path.read_text(encoding="utf-8").splitlines() or [""]
    if day != datetime.now(UTC).date().isoformat():
        return {}
    return {key: at for at, _, key in (line.partition("\t") for line in lines)}


def _record_sent(key: str, outbox: Path, first_today: bool) -> None:
    now = datetime.now(UTC)
    path = outbox / SENT_TODAY
    if first_today:  # a new day starts a new list
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{now.date().isoformat()}\n", encoding="utf-8")
    with path.open("a", encoding="utf-8") as listed:
        listed.write(f"{now:%H:%M}\t{key}\n")


def _one_line(key: str) -> str:
    return " ".join(key.split())


def _send_kept(smtp: Settings, logger: logging.Logger) -> None:
    """The alerts kept while the mail server was down, now that it is back: oldest first; one
    still refused stays kept, with the rest after it."""
    kept = sorted((smtp.outbox_dir / UNSENT).glob("*.txt"))
    for path in kept:
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        subject, *key = head.splitlines()
        subject = subject.removeprefix("Subject: ")
        subject += f" (raised {_raised(path):%d/%m/%Y %H:%M} UTC, sent late)"
        try:
            _deliver(subject, body, smtp)
        except (OSError, smtplib.SMTPException) as exc:
            logger.error(f"kept alerts still NOT sent ({type(exc).__name__}: {exc})")
            return
        _move_sent_late(path, smtp.outbox_dir)
        logger.info(f"alert kept in {path} sent late: {subject}")
        if key:  # today's email of that problem: the next night's is not sent again
            sent_today = _sent_today(smtp.outbox_dir)
            _record_sent(key[0].removeprefix(KEY_LINE), smtp.outbox_dir, not sent_today)


KEY_LINE = "Same problem as: "


def keep_unsent(alert: Alert, outbox: Path) -> Path:
    """The alert as a text file under <outbox>/alerts_not_sent/, for an operator to read; its
    `once_a_day` key, if any, on the line after the subject."""
    folder = outbox / UNSENT
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}.txt"
    key = f"\n{KEY_LINE}{_one_line(alert.once_a_day)}" if alert.once_a_day else ""
    path.write_text(f"Subject: {alert.subject}{key}\n\n{alert.body()}", encoding="utf-8")
    return path


def _kept_as(key: str, outbox: Path) -> list[Path]:
    """The kept alerts of the same problem (`once_a_day` key), oldest first."""
    return [
        path for path in sorted((outbox / UNSENT).glob("*.txt"))
        if f"\n{KEY_LINE}{key}\n" in path.read_text(encoding="utf-8").partition("\n\n")[0] + "\n"
    ]  # fmt: skip


def _raised(kept: Path) -> datetime:
    return datetime.strptime(kept.stem, "%Y%m%dT%H%M%S%fZ")


def _move_sent_late(kept: Path, outbox: Path) -> None:
    late = outbox / SENT_LATE
    late.mkdir(parents=True, exist_ok=True)
    kept.replace(late / kept.name)


def _deliver(subject: str, body: str, smtp: Settings) -> None:
    message = EmailMessage()
    message["Subject"] = f"[RAA warehouse] {subject}"
    message["From"] = smtp.alert_from
    message["To"] = ", ".join(smtp.alert_to)
    # A message needs its date (RFC 5322): without it mail readers sort and date the alert as
    # they guess, and spam filters mark it down. The id's domain is the sender's, not a lookup.
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=smtp.alert_from.rpartition("@")[2] or "localhost")
    message.set_content(body)
    with smtplib.SMTP(smtp.smtp_host, smtp.smtp_port, timeout=30) as server:
        server.ehlo()
        if server.has_extn("starttls"):
            server.starttls()
            server.ehlo()
        if smtp.smtp_user:
            password = smtp.smtp_password.get_secret_value() if smtp.smtp_password else ""
            server.login(smtp.smtp_user, password)
        server.send_message(message)


def stale_council_alert(council: str, problem: str, limit_days: float) -> Alert:
    return Alert(
        subject=f"{council}: no fresh submission",
        council=council,
        problem=problem,
        once_a_day=f"stale {council}",
        what_to_do=(
            f"Ask {council} to send this week's export (the limit is {limit_days:g} days), or "
            "check why their last one was refused: `raa status` and the validation report in "
            f"outbox/{council}/. The published figures still use their previous submission."
        ),
    )


def changed_ids_alert(council: str, submission: str, message: str) -> Alert:
    """A submission loaded whose children are mostly not those of the one it replaced
    (pipelines.ingest.continuity): the figures stand, the children's history does not join."""
    return Alert(
        subject=f"{council}: child ids changed since the last submission",
        council=council,
        problem=f"Submission {submission} was loaded, with a query: {message}",
        once_a_day=f"changed ids {council} {submission}",
        what_to_do=(
            f"Ask {council} whether their case system renumbered its children or the export lost "
            f"or changed the ids (leading zeros, a prefix): outbox/{council}/{submission}/ holds "
            "the validation report they were sent. Tonight's figures use the new ids throughout; "
            "what breaks is each child's link to the submissions before, so the checks against "
            "last year's return and the history of a child read as new children. A corrected "
            "export with the old ids replaces this one."
        ),
    )


def run_failure_alert(job: str, run_id: str, council: str | None, problem: str) -> Alert:
    """One council's failed load (`council`), or a failed run of the whole warehouse."""
    what = f"Read the run log (Dagster UI, run {run_id}). " + (
        f"For {council}'s load see `raa status` and outbox/{council}/ for the validation "
        f"report. A corrected export, dropped as a new folder in landing/{council}/, is loaded "
        f"by the landing sensor (under the daemon) or the next night, or now with "
        f"`raa run --council {council}`. A failed load "
        f"publishes nothing itself: the build after it still publishes every other council, "
        f"and {council}'s previous figures stay in use, marked stale."
        if council
        else "Fix the cause and re-run `raa run` (or the job in the Dagster UI). Nothing was "
        "published by this run: analysts keep the previous snapshot."
    )
    # a materialisation launched from the asset graph or a backfill runs Dagster's own job
    job = "a materialisation from the asset graph" if job.startswith("__ASSET_JOB") else job
    subject = f"{job} failed" + (f" for {council}" if council else "")
    # a council's load failing the same way again the same day (the 02:00 tick re-reading a
    # refused submission, a re-execution) is that problem again
    key = f"failed {council}: {problem}" if council else None
    return Alert(subject=subject, council=council, problem=problem, what_to_do=what,
                 once_a_day=key)  # fmt: skip


def formula_refused_alert(path: str, problem: str, versions_kept: int) -> Alert:
    """The funding formula file refused: the night goes on with the last good formula."""
    return Alert(
        subject="funding formula refused: the last good formula stays in use",
        problem=problem,
        what_to_do=(
            f"Correct {path} (RAA_FUNDING_FORMULA_FILE) as the problems above say; the next "
            f"night, or `raa run`, uses it once it adds up. Meanwhile every council's figures "
            f"are built and published as usual, and costs are apportioned by the last formula "
            f"that was accepted ({versions_kept} version(s)): a council the file now adds, or "
            "a change of weights, is not in the apportionment yet."
        ),
        once_a_day=f"formula refused: {problem}",
    )


def unregistered_folder_alert(folders: list[str], landing: str) -> Alert:
    return Alert(
        subject=f"{len(folders)} landing folder(s) not in the council registry",
        problem=(
            f"{landing} holds folder(s) that are no council in the registry: "
            f"{', '.join(folders)}. Nothing in them is loaded."
        ),
        what_to_do=(
            "If a council's export was dropped in the wrong folder, move it to "
            "<landing>/<council code>/<submission>/ (codes in capitals, as in the registry). If "
            "a new council has joined, add it to the registry (RAA_COUNCILS_FILE). Otherwise "
            "remove the folder."
        ),
    )


def withheld_council_alert(council: str, run_id: str, tests: list[str], message: str) -> Alert:
    return Alert(
        subject=f"{council} withheld from tonight's publish: its data breaks a dbt test",
        council=council,
        once_a_day=f"withheld {council}: {', '.join(sorted(tests))}",
        problem=(
            f"{message} Failing test(s): {', '.join(tests)}. Every other council was built and "
            "published."
        ),
        what_to_do=(
            f"Read the run log (Dagster UI, run {run_id}) for the failing rows, and "
            f"outbox/{council}/ (withheld.html) for what the council was told. Ask {council} for "
            "a corrected export; the next build that passes publishes its figures again. "
            "`raa status` shows it as withheld until then."
        ),
    )
