"""Import every area's models so the metadata is complete (app start, Alembic)."""
from lms.catalog.models import Activity, Event, Session  # noqa: F401
from lms.people.models import ApiToken, JobFunction, Organisation, Person, RoleGrant  # noqa: F401
from lms.auth.models import UserSession  # noqa: F401
from lms.programmes.models import Goal, OrganisationOutcome, Programme, TargetGroup, Theme  # noqa: F401
from lms.enrollment.models import Enrollment, PriorCompletion  # noqa: F401,E402
from lms.attendance.models import Attendance, AttendanceChange  # noqa: F401,E402
from lms.completion.models import Completion  # noqa: F401,E402
from lms.notifications.models import CalendarToken, OutboxEmail  # noqa: F401,E402
from certificates.models import Certificate, CertificateBatch, CertificateFailure  # noqa: F401,E402
from lms.reports.models import ExportJob  # noqa: F401,E402
from lms.goals.models import Participation  # noqa: F401,E402
