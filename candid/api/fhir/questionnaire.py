"""The interview as a FHIR R4 Questionnaire, built from the pack on every request.

Nothing here is hand-written: a question, an answer option or a rule about when to ask that is
edited in the pack shows up in the form, so an SDC form filler and Candid's own interview can
never disagree. Patient questions come first, in the pack's order; exam and test results sit in
one group (`clinician`) so a clinician's form filler can enter them and a patient's can hide them.
"""

from __future__ import annotations

from candid.api.fhir.enable_when import enable_when
from candid.api.fhir.terminology import (
    JSON,
    answer_code,
    own,
    questionnaire_url,
    result_codings,
    slug,
    symptom_codings,
)
from candid.engine.explain import answer_label
from candid.i18n import tr
from candid.knowledge.models import Fact, Pack

CLINICIAN_GROUP = "clinician"
HELP_SUFFIX = ".help"
EXT = "http://hl7.org/fhir/StructureDefinition"
ITEM_CONTROL = f"{EXT}/questionnaire-itemControl"


def questionnaire(pack: Pack, lang: str = "en") -> JSON:
    patient = _patient_items(pack, lang)
    clinician = [_item(pack, f, lang) for f in pack.facts.values() if f.asked_by == "clinician"]
    items = list(patient)
    if clinician:
        items.append(
            {
                "linkId": CLINICIAN_GROUP,
                "text": tr(lang, "Exam and test results (for the clinician)"),
                "type": "group",
                "item": clinician,
            }
        )
    return {
        "resourceType": "Questionnaire",
        "id": slug(pack),
        "language": lang,
        "url": questionnaire_url(pack),
        "version": pack.meta.version,
        "name": "".join(part.title() for part in pack.meta.id.split("_")),
        "title": pack.meta.title.get(lang),
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Candid",
        "description": (
            "Questions about bleeding after sex, generated from Candid's knowledge pack "
            f"{pack.meta.id} {pack.meta.version}. Every question may be left unanswered "
            "(unknown). Send the response to $assess for urgency, possible causes to discuss "
            "and the evaluations to offer. Educational decision support, not a diagnosis."
        ),
        "code": symptom_codings(pack),
        "item": items,
    }


def _patient_items(pack: Pack, lang: str) -> list[JSON]:
    """The person's questions in the pack's order; the questions the interview asks on one
    page sit in a `group` item where the first of them would be: a tick group's with the
    short statement shown beside its box (the full question stays the item's code), a
    form's in their own words, each with its `enableWhen`."""
    out: list[JSON] = []
    placed: set[str] = set()
    group_of = {f: gid for gid, g in pack.interview.groups.items() for f in g.items}
    for fact in pack.facts.values():
        if fact.asked_by != "patient" or fact.id in placed:
            continue
        gid = group_of.get(fact.id)
        if gid is None:
            out.append(_item(pack, fact, lang))
            continue
        group = pack.interview.groups[gid]
        children = []
        for fid in group.facts:
            child = _item(pack, pack.facts[fid], lang)
            label = group.label(fid)
            if label is not None:  # a tick box's statement; a form keeps the question
                child["text"] = label.get(lang)
            children.append(child)
            placed.add(fid)
        out.append(
            {
                "linkId": gid,
                "text": group.question.get(lang),
                "type": "group",
                "item": children,
            }
        )
    return out


def _item(pack: Pack, fact: Fact, lang: str) -> JSON:
    item: JSON = {
        "linkId": fact.id,
        "code": [own(pack, fact.id, fact.question.en), *result_codings(pack, fact.id)],
        "text": fact.question.get(lang),
        "type": fact.type,
        "required": False,  # a missing answer means "unknown", which the engine handles
    }
    if fact.type == "choice":
        item["answerOption"] = [
            {"valueCoding": own(pack, answer_code(fact.id, v), answer_label(pack, fact, v, lang))}
            for v in fact.choices or {}
        ]
    if fact.type == "integer":
        item["extension"] = [
            {"url": f"{EXT}/minValue", "valueInteger": fact.minimum},
            {"url": f"{EXT}/maxValue", "valueInteger": fact.maximum},
        ]
    enable_when(pack, fact.ask_when).apply(item)
    if fact.hint:
        item["item"] = [_help(fact.id, fact.hint.get(lang))]
    return item


def _help(fact_id: str, text: str) -> JSON:
    """SDC's way to attach help text: a display child rendered as a help bubble."""
    control = {"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help"}
    return {
        "linkId": fact_id + HELP_SUFFIX,
        "text": text,
        "type": "display",
        "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [control]}}],
    }
