"""The demo city with its named personas: what `make demo` serves and what the tests stand on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_user
from fangkong.accounts.queries import get_user_by_username
from fangkong.accounts.schemas import UserCreate
from fangkong.areas.demo import DemoSize, do_build_demo_tree
from fangkong.arrivals.demo import do_seed_demo_arrivals_policy
from fangkong.permissions import Role
from fangkong.registry.demo import do_load_demo_population
from fangkong.reports.shapes import do_generate_demo_shapes
from fangkong.scope import SYSTEM
from fangkong.screening.demo import do_build_demo_round

DEMO_PASSWORD = "Changchun2020"  # noqa: S105 - printed for the demo accounts on purpose


@dataclass(frozen=True, slots=True)
class Persona:
    username: str
    display_name: str
    role: Role
    area_code: str
    what: str


PERSONAS: tuple[Persona, ...] = (
    Persona("admin", "平台管理员", Role.ADMIN, "2201", "platform administrator, whole city"),
    Persona("city", "市指挥部", Role.COMMANDER, "2201", "city command HQ, 长春市"),
    Persona("nanguan", "南关区指挥部", Role.COMMANDER, "220102", "district commander, 南关区"),
    Persona("nanling", "南岭街道指挥部", Role.COMMANDER, "220102001",
            "street commander, 南岭街道"),
    Persona("grid1", "网格员一", Role.GRID_WORKER, "220102001001001",
            "grid worker, 南关区 南岭街道, grid 001"),
    Persona("grid2", "网格员二", Role.GRID_WORKER, "220104001001001",
            "grid worker, 朝阳区, grid 001"),
    Persona("checkpoint", "长春站卡口", Role.CHECKPOINT, "220103",
            "checkpoint officer, 宽城区 (长春站)"),
    Persona("hospital", "定点医院", Role.MEDICAL, "220104", "designated hospital, 朝阳区"),
    Persona("supplies", "市物资保障组", Role.SUPPLIES, "2201", "reserve and commerce bureau"),
    Persona("market", "市场监管局", Role.MARKET, "2201", "market regulation bureau"),
    Persona("enterprise", "一汽防疫专员", Role.ENTERPRISE, "220174001001",
            "enterprise prevention officer, 汽开区"),
)


def do_build_demo(
    session: Session, *, size: DemoSize = DemoSize(), seed: int = 2020, persons: int = 0,
) -> int:
    """The demo city and its personas; what exists already is kept. Returns areas created.

    With `persons`, the city is also filled with that many generated residents (through the
    importer's bulk path) and a screening round in progress with visits to most households.
    """
    created = do_build_demo_tree(session, size=size, seed=seed)
    do_seed_demo_arrivals_policy(session)
    do_generate_demo_shapes(session, "2201")
    for persona in PERSONAS:
        if get_user_by_username(session, persona.username) is None:
            do_create_user(session, actor=SYSTEM, data=UserCreate(
                username=persona.username, display_name=persona.display_name,
                role=persona.role, area_code=persona.area_code, password=DEMO_PASSWORD,
            ))
    if persons > 0:
        do_load_demo_population(session, persons=persons, seed=seed)
        do_build_demo_round(session, seed=seed)
    return created
