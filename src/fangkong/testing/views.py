"""What the API and the pages show of samples, positives, retests and lab imports."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from fangkong.registry.models import ImportBatch, Person
from fangkong.registry.validators import mask_id_number
from fangkong.testing.models import Positive, Sample, SampleMember
from fangkong.testing.queries import list_members, list_results, member_counts
from fangkong.testing.schemas import (
    ImportRead,
    MemberRead,
    PositiveRead,
    ResultRead,
    RetestRead,
    SampleDetail,
    SampleRead,
)


def masked(person: Person) -> str | None:
    return mask_id_number(person.id_number) if person.id_number else None


def sample_reads(session: Session, samples: Sequence[Sample]) -> list[SampleRead]:
    counts = member_counts(session, [sample.id for sample in samples])
    reads = []
    for sample in samples:
        read = SampleRead.model_validate(sample)
        read.persons = counts.get(sample.id, 0)
        reads.append(read)
    return reads


def member_read(member: SampleMember, person: Person) -> MemberRead:
    return MemberRead(person_id=person.id, name=person.name, id_number=masked(person),
                      area_code=member.area_code, retest=member.retest)


def sample_detail(session: Session, sample: Sample) -> SampleDetail:
    members = list_members(session, sample.id)
    detail = SampleDetail.model_validate(sample)
    detail.persons = len(members)
    detail.members = [member_read(member, person) for member, person in members]
    detail.results = [ResultRead.model_validate(entry)
                      for entry in list_results(session, sample.id)]
    return detail


def positive_read(positive: Positive, person: Person, sample: Sample) -> PositiveRead:
    return PositiveRead(
        id=positive.id, person_id=person.id, name=person.name, id_number=masked(person),
        sample_id=sample.id, tube_code=sample.tube_code, area_code=positive.area_code,
        pooled=positive.pooled, raised_at=positive.raised_at, status=positive.status,
        handled_at=positive.handled_at, handled_note=positive.handled_note)


def retest_read(member: SampleMember, person: Person, sample: Sample) -> RetestRead:
    return RetestRead(person_id=person.id, name=person.name, id_number=masked(person),
                      area_code=member.area_code, sample_id=sample.id,
                      tube_code=sample.tube_code, collected_at=sample.collected_at)


def import_read(batch: ImportBatch) -> ImportRead:
    counts = {name: int(value) for name, value in batch.counts.items()}
    url = f"/api/v1/testing/imports/{batch.id}/rejected.xlsx" if counts.get("rejected") else None
    return ImportRead(id=batch.id, filename=batch.filename, status=batch.status, counts=counts,
                      message=batch.message, rejected_url=url)
