"""workspaces: every organisation in one workspace; users are members with a role there

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Organisation names were global keys and access followed grants: a consultant who
typed another consultant's client's name was granted it too (issue 11, "the
leak"). From this revision a workspace is the tenant; organisation names are
unique only inside one, and ``memberships`` / ``reader_access`` replace
``users.role`` and ``organisation_grants``. Today's data moves in by the issue's
rules:

- each consultant gets a workspace of their own (named after them: their name,
  else their e-mail; " (2)", " (3)"... on a clash) and becomes its owner;
- an organisation goes to the workspace of the consultant granted it first (the
  lowest grant id); consultants granted it later lose it, and each lost access
  is printed;
- organisations no consultant was granted (created from the CLI) go to a
  workspace named "Default", owned by the former admins; it exists whenever
  there is such an organisation or an admin, so admins can still sign in;
- clients become readers, in each workspace holding an organisation they were
  granted, of those organisations.

Plain table constructs, not the app's models: those change after this revision.

Downgrading gives each user the widest role they hold (an owner of "Default"
becomes an admin, other owners and consultants consultants, readers clients;
a user of no workspace a client) and grants them their workspaces'
organisations (readers: those they read). It fails, changing nothing, when two
workspaces hold organisations of the same name.
"""
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The operator's workspace: organisations created from the CLI, owned by the admins.
DEFAULT_WORKSPACE = 'Default'
NAME_LENGTH = 200

users = sa.table(
    'users', sa.column('id', sa.Integer), sa.column('email', sa.String),
    sa.column('name', sa.String), sa.column('role', sa.String),
)
organisations = sa.table(
    'organisations', sa.column('id', sa.Integer), sa.column('name', sa.String),
    sa.column('workspace_id', sa.Integer),
)
organisation_grants = sa.table(
    'organisation_grants', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
    sa.column('organisation_id', sa.Integer),
)
workspaces = sa.table(
    'workspaces', sa.column('id', sa.Integer), sa.column('name', sa.String),
    sa.column('suspended', sa.Boolean),
)
memberships = sa.table(
    'memberships', sa.column('id', sa.Integer), sa.column('workspace_id', sa.Integer),
    sa.column('user_id', sa.Integer), sa.column('role', sa.String),
)
reader_access = sa.table(
    'reader_access', sa.column('id', sa.Integer), sa.column('membership_id', sa.Integer),
    sa.column('organisation_id', sa.Integer),
)


def upgrade() -> None:
    op.create_table('workspaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces')),
    sa.UniqueConstraint('name', name=op.f('uq_workspaces_name'))
    )
    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('owner', 'consultant', 'reader', name='memberrole', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_memberships_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('workspace_id', 'user_id', name=op.f('uq_memberships_workspace_id_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('reader_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_reader_access_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_reader_access_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_access')),
    sa.UniqueConstraint('membership_id', 'organisation_id', name=op.f('uq_reader_access_membership_id_organisation_id'))
    )
    with op.batch_alter_table('reader_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_access_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reader_access_organisation_id'), ['organisation_id'], unique=False)

    # Nullable until every organisation has its workspace.
    op.add_column('organisations', sa.Column('workspace_id', sa.Integer(), nullable=True))
    _move_into_workspaces(op.get_bind())

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('workspace_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_organisations_name'), type_='unique')
        batch_op.create_index(batch_op.f('ix_organisations_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_organisations_workspace_id_name'), ['workspace_id', 'name'])
        batch_op.create_foreign_key(batch_op.f('fk_organisations_workspace_id_workspaces'), 'workspaces', ['workspace_id'], ['id'], ondelete='CASCADE')

    # Deleting an organisation (with its workspace) takes its engagements along.
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_engagements_organisation_id_organisations'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_engagements_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'], ondelete='CASCADE')

    op.drop_table('organisation_grants')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('role')


def _move_into_workspaces(connection: sa.Connection) -> None:
    """Workspaces, memberships and each organisation's workspace, by the rules above."""
    people = {row.id: row for row in connection.execute(
        sa.select(users.c.id, users.c.email, users.c.name, users.c.role).order_by(users.c.id)
    )}
    organisation_names = dict(connection.execute(
        sa.select(organisations.c.id, organisations.c.name).order_by(organisations.c.id)
    ).all())
    grants = connection.execute(
        sa.select(organisation_grants.c.user_id, organisation_grants.c.organisation_id)
        .order_by(organisation_grants.c.id)
    ).all()

    consultants = [user for user in people.values() if user.role == 'consultant']
    admins = [user for user in people.values() if user.role == 'admin']
    # The first consultant granted an organisation holds it; the leak's later grants end.
    holder: dict[int, int] = {}
    for user_id, organisation_id in grants:
        if people[user_id].role == 'consultant':
            holder.setdefault(organisation_id, user_id)
    unheld = [id_ for id_ in organisation_names if id_ not in holder]

    taken: set[str] = set()

    def create_workspace(name: str) -> tuple[int, str]:
        name = _unique_name(' '.join(name.split()), taken)
        taken.add(name)
        return connection.execute(
            workspaces.insert().values(name=name, suspended=False).returning(workspaces.c.id)
        ).scalar_one(), name

    def add_member(workspace_id: int, user_id: int, role: str) -> int:
        return connection.execute(memberships.insert().values(
            workspace_id=workspace_id, user_id=user_id, role=role
        ).returning(memberships.c.id)).scalar_one()

    workspace_of: dict[int, int] = {}  # organisation id -> workspace id
    if unheld or admins:
        # First, so that the name is free: a consultant called "Default" gets "Default (2)".
        default_id, _ = create_workspace(DEFAULT_WORKSPACE)
        for admin in admins:
            add_member(default_id, admin.id, 'owner')
        workspace_of.update(dict.fromkeys(unheld, default_id))

    own_workspace: dict[int, tuple[int, str]] = {}  # consultant id -> (id, name)
    for consultant in consultants:
        own_workspace[consultant.id] = create_workspace(
            (consultant.name or '').strip() or consultant.email
        )
        add_member(own_workspace[consultant.id][0], consultant.id, 'owner')
    for organisation_id, consultant_id in holder.items():
        workspace_of[organisation_id] = own_workspace[consultant_id][0]

    reader_memberships: dict[tuple[int, int], int] = {}  # (workspace, user) -> membership
    for user_id, organisation_id in grants:
        user = people[user_id]
        workspace_id = workspace_of[organisation_id]
        if user.role == 'consultant' and holder[organisation_id] != user_id:
            print(
                f"Workspaces: {user.email} lost access to "
                f"'{organisation_names[organisation_id]}' (now in workspace "
                f"'{own_workspace[holder[organisation_id]][1]}')"
            )
        elif user.role == 'client':
            key = (workspace_id, user_id)
            if key not in reader_memberships:
                reader_memberships[key] = add_member(workspace_id, user_id, 'reader')
            connection.execute(reader_access.insert().values(
                membership_id=reader_memberships[key], organisation_id=organisation_id
            ))
        # An admin's grants said nothing: admins saw every organisation.

    for organisation_id, workspace_id in workspace_of.items():
        connection.execute(
            organisations.update().where(organisations.c.id == organisation_id)
            .values(workspace_id=workspace_id)
        )


def _unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever is free, within the length."""
    candidate, number = name[:NAME_LENGTH], 1
    while candidate in taken:
        number += 1
        suffix = f' ({number})'
        candidate = name[:NAME_LENGTH - len(suffix)] + suffix
    return candidate


def downgrade() -> None:
    connection = op.get_bind()
    clashes = connection.execute(
        sa.select(organisations.c.name).group_by(organisations.c.name)
        .having(sa.func.count() > 1).order_by(organisations.c.name)
    ).scalars().all()
    if clashes:
        raise RuntimeError(
            'Cannot downgrade below workspaces: organisation names were unique on the whole '
            'installation before them, and several workspaces now hold organisations named '
            + ', '.join(f"'{name}'" for name in clashes)
            + '. Rename or delete all but one of each, then downgrade again.'
        )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('admin', 'consultant', 'client', name='role', native_enum=False, length=20), nullable=True))
    op.create_table('organisation_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_grants_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_grants')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_organisation_grants_user_id_organisation_id'))
    )
    _roles_and_grants_from_memberships(connection)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=sa.Enum('admin', 'consultant', 'client', name='role', native_enum=False, length=20), nullable=False)

    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_engagements_organisation_id_organisations'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_engagements_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'])
        batch_op.drop_index(batch_op.f('ix_engagements_organisation_id'))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_workspace_id_workspaces'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_organisations_workspace_id_name'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_organisations_workspace_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_organisations_name'), ['name'])
        batch_op.drop_column('workspace_id')

    with op.batch_alter_table('reader_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reader_access_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_reader_access_membership_id'))
    op.drop_table('reader_access')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
    op.drop_table('memberships')
    op.drop_table('workspaces')


def _roles_and_grants_from_memberships(connection: sa.Connection) -> None:
    """Each user's widest role back in ``users.role``; their organisations as grants."""
    rows = connection.execute(
        sa.select(memberships.c.id, memberships.c.user_id, memberships.c.workspace_id,
                  memberships.c.role, workspaces.c.name)
        .join(workspaces, workspaces.c.id == memberships.c.workspace_id)
        .order_by(memberships.c.id)
    ).all()
    organisations_in: dict[int, list[int]] = defaultdict(list)
    for organisation_id, workspace_id in connection.execute(
        sa.select(organisations.c.id, organisations.c.workspace_id).order_by(organisations.c.id)
    ):
        organisations_in[workspace_id].append(organisation_id)
    read: dict[int, list[int]] = defaultdict(list)
    for membership_id, organisation_id in connection.execute(
        sa.select(reader_access.c.membership_id, reader_access.c.organisation_id)
        .order_by(reader_access.c.id)
    ):
        read[membership_id].append(organisation_id)

    rank = {'client': 0, 'consultant': 1, 'admin': 2}
    role: dict[int, str] = {}
    managed: list[tuple[int, int]] = []  # (user, organisation) of owners and consultants
    readable: list[tuple[int, int]] = []
    for membership_id, user_id, workspace_id, member_role, workspace_name in rows:
        if member_role == 'reader':
            old_role = 'client'
            readable.extend((user_id, id_) for id_ in read[membership_id])
        else:
            is_admin = member_role == 'owner' and workspace_name == DEFAULT_WORKSPACE
            old_role = 'admin' if is_admin else 'consultant'
            managed.extend((user_id, id_) for id_ in organisations_in[workspace_id])
        if user_id not in role or rank[old_role] > rank[role[user_id]]:
            role[user_id] = old_role

    for user_id, old_role in role.items():
        connection.execute(
            users.update().where(users.c.id == user_id).values(role=old_role)
        )
    # A user of no workspace signs in to nothing, as a client did without grants.
    connection.execute(users.update().where(users.c.role.is_(None)).values(role='client'))

    # Managers' grants first, so that upgrading again gives each organisation back
    # to a workspace of one of its consultants. Admins see every organisation.
    granted: set[tuple[int, int]] = set()
    for user_id, organisation_id in managed + readable:
        if role[user_id] == 'admin' or (user_id, organisation_id) in granted:
            continue
        granted.add((user_id, organisation_id))
        connection.execute(organisation_grants.insert().values(
            user_id=user_id, organisation_id=organisation_id
        ))
