"""custsvc repair: coded findings on service orders (repair lines), part swaps, warranty, each
object's and unit's repair history, and the failure report."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, fmt_of, run
from custsvc.commands.repair_reports import history, list_, report
from custsvc.commands.repair_setup import code_app, stage_app

app = typer.Typer(help=group_help("repair"), no_args_is_help=True)
app.add_typer(code_app, name="code")
app.add_typer(stage_app, name="stage")

OrderArg = Annotated[str, typer.Argument(help="Service order, e.g. SO-000001.", metavar="ORDER")]
LineArg = Annotated[int, typer.Argument(help="Repair line number on the order.", metavar="LINE", min=1)]
TechOpt = Annotated[str | None, typer.Option("--technician", help="Who repairs it (default: the order's technician).")]
StageOpt = Annotated[str | None, typer.Option("--stage", help="Repair stage; a finished one needs --resolution.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note on the repair.")]
SerialOpt = Annotated[
    str | None, typer.Option("--serial", help="The unit installed in the object the repair is about (a part).")
]
ConditionOpt = Annotated[str | None, typer.Option("--condition", help="Condition code, e.g. INTERMITTENT.")]
SymptomAreaOpt = Annotated[str | None, typer.Option("--symptom-area", help="Symptom area code, e.g. HEAT.")]
SymptomOpt = Annotated[
    str | None, typer.Option("--symptom", help="Symptom code (its area is taken from the code), e.g. NO-HEAT.")
]
DiagnosisAreaOpt = Annotated[str | None, typer.Option("--diagnosis-area", help="Diagnosis area code.")]
DiagnosisOpt = Annotated[str | None, typer.Option("--diagnosis", help="Diagnosis code (its area from the code).")]
ResolutionOpt = Annotated[str | None, typer.Option("--resolution", help="Resolution code, e.g. REPLACED.")]
LinesOpt = Annotated[str, typer.Option("--lines", help="Order line numbers, e.g. 2,3.", metavar="N,N")]

PART_COLUMNS = ["position", "old_item", "old_serial", "new_item", "new_serial", "bom_version", "order_line", "at"]


def _codes(**given: str | None) -> dict[str, str | None]:
    return {k: v for k, v in given.items() if v is not None}


def _emit(record: dict[str, Any], fmt: Any) -> None:
    """One repair: the record, then the parts it swapped; JSON keeps every list as it is."""
    from custsvc import output

    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(record)
        return
    shown = {
        **record,
        "order_lines": ", ".join(map(str, record["order_lines"])),
        "invoices": ", ".join(record["invoices"]),
    }
    sections = {"parts swapped": (record["parts"], PART_COLUMNS)} if record["parts"] else {}
    output.emit_record(
        shown, fmt=kind, title=f"repair {record['order']}/{record['line']}", hide=["parts"], sections=sections
    )


@app.command("add")
def add(
    order: OrderArg,
    obj: Annotated[str, typer.Option("--object", help="The object repaired; it must be on the order.")],
    technician: TechOpt = None,
    condition: ConditionOpt = None,
    symptom_area: SymptomAreaOpt = None,
    symptom: SymptomOpt = None,
    diagnosis_area: DiagnosisAreaOpt = None,
    diagnosis: DiagnosisOpt = None,
    resolution: ResolutionOpt = None,
    stage: StageOpt = None,
    serial: SerialOpt = None,
    note: NoteOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Record a repair of one of the order's objects; prints the repair line number.

    Under warranty when the object, or the part named with --serial, was covered on the day the order
    was created: its hours and parts are then invoiced at zero.

    Example: custsvc repair add SO-000060 --object OBJ-0001 --symptom HUM --condition INTERMITTENT
    """
    from custsvc.services.repairs import lines

    values = _codes(condition=condition, symptom_area=symptom_area, symptom=symptom, diagnosis_area=diagnosis_area,
                    diagnosis=diagnosis, resolution=resolution)  # fmt: skip
    record = run(
        lambda s: lines.add(s, order, obj=obj, technician=technician, stage=stage, note=note, serial=serial, **values)
    )
    _emit_number(record, fmt)


def _emit_number(record: dict[str, Any], fmt: Any) -> None:
    from custsvc import output

    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
    else:
        typer.echo(str(record["line"]))
        output.message(f"repair {record['order']}/{record['line']} on {record['object']}, stage {record['stage']}"
                       + (" (under warranty)" if record["warranty"] else ""))  # fmt: skip


@app.command("update")
def update(
    order: OrderArg,
    line: LineArg,
    technician: TechOpt = None,
    condition: ConditionOpt = None,
    symptom_area: SymptomAreaOpt = None,
    symptom: SymptomOpt = None,
    diagnosis_area: DiagnosisAreaOpt = None,
    diagnosis: DiagnosisOpt = None,
    resolution: ResolutionOpt = None,
    stage: StageOpt = None,
    serial: SerialOpt = None,
    note: NoteOpt = None,
    warranty: Annotated[
        str | None,
        typer.Option(
            "--warranty", help="yes or no: set by hand (goodwill, or a voided warranty); auto: the dates decide."
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a repair line; only the options given change ("" clears a code, the note or the serial).

    Choosing a finished stage sets the finished time and needs a resolution.

    Example: custsvc repair add SO-000060 --object OBJ-0001 --symptom HUM --condition INTERMITTENT
    Example: custsvc repair update SO-000060 1 --diagnosis BURNER-DIRTY --resolution CLEANED --stage repaired
    """
    from custsvc.services.repairs import lines

    values = _codes(condition=condition, symptom_area=symptom_area, symptom=symptom, diagnosis_area=diagnosis_area,
                    diagnosis=diagnosis, resolution=resolution)  # fmt: skip
    record = run(
        lambda s: lines.update(
            s, order, line, technician=technician, stage=stage, note=note, serial=serial, warranty=warranty, **values
        )
    )
    _emit(record, fmt)


@app.command("remove")
def remove(order: OrderArg, line: LineArg, fmt: FormatOpt = None) -> None:
    """Remove a repair line recorded by mistake (one that swapped parts stays: finish it instead).

    Example: custsvc repair add SO-000060 --object OBJ-0001 --symptom HUM --condition INTERMITTENT
    Example: custsvc repair remove SO-000060 1
    """
    from custsvc.commands._common import done
    from custsvc.services.repairs import lines

    record = run(lambda s: lines.remove(s, order, line))
    done(record, fmt, f"removed repair {order}/{line}")


@app.command("swap")
def swap(
    order: OrderArg,
    line: LineArg,
    position: Annotated[str, typer.Option("--position", help="The BOM position of the faulty part.")],
    new_serial: Annotated[
        str | None, typer.Option("--new-serial", help="The new unit, from stock (a serialized part needs it).")
    ] = None,
    item: Annotated[str | None, typer.Option("--item", help="The new part's item (default: the same item).")] = None,
    invoice: Annotated[bool, typer.Option("--invoice", help="Add an item line for the new part to the order.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Swap a faulty part of the repaired object: the faulty unit goes to quarantine, the new one comes
    from stock, the object's BOM gets a new version, and the swap is recorded on the repair line.

    With --invoice the new part's item line belongs to the repair (at zero under warranty).

    Example: custsvc repair add SO-000060 --object OBJ-0001 --symptom NO-HEAT --diagnosis PUMP-SEIZED
    Example: custsvc repair swap SO-000060 1 --position pump --new-serial EC25-90413 --invoice
    """
    from custsvc.services.repairs import swaps

    _emit(run(lambda s: swaps.swap(s, order, line, position=position, new_serial=new_serial, item=item,
                                   invoice=invoice)), fmt)  # fmt: skip


def _numbers(text: str) -> list[int]:
    from custsvc.errors import InvalidInput

    try:
        numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise InvalidInput("lines", text, "expected order line numbers such as 2,3") from None
    if not numbers or min(numbers) < 1:
        raise InvalidInput("lines", text, "expected order line numbers such as 2,3")
    return numbers


@app.command("link")
def link(order: OrderArg, line: LineArg, lines_: LinesOpt, fmt: FormatOpt = None) -> None:
    """Make order lines (hours, parts) belong to a repair: under warranty they are invoiced at zero and
    count as warranty cost.

    Example: custsvc repair add SO-000058 --object OBJ-0002 --symptom ERROR-CODE
    Example: custsvc repair link SO-000058 1 --lines 1
    """
    from custsvc.services.repairs import swaps

    _emit(run(lambda s: swaps.link(s, order, line, _numbers(lines_))), fmt)


@app.command("unlink")
def unlink(order: OrderArg, line: LineArg, lines_: LinesOpt, fmt: FormatOpt = None) -> None:
    """Order lines no longer belong to the repair.

    Example: custsvc repair add SO-000058 --object OBJ-0002 --symptom ERROR-CODE
    Example: custsvc repair link SO-000058 1 --lines 1
    Example: custsvc repair unlink SO-000058 1 --lines 1
    """
    from custsvc.services.repairs import swaps

    _emit(run(lambda s: swaps.unlink(s, order, line, _numbers(lines_))), fmt)


@app.command("show")
def show(order: OrderArg, line: LineArg, fmt: FormatOpt = None) -> None:
    """One repair line: its codes, stage, warranty, the parts it swapped, its order lines and invoices.

    Example: custsvc repair add SO-000060 --object OBJ-0001 --symptom HUM --condition INTERMITTENT
    Example: custsvc repair show SO-000060 1
    """
    from custsvc.services.repairs import reading

    _emit(run(lambda s: reading.show(s, order, line), write=False), fmt)


app.command("list")(list_)
app.command("history")(history)
app.command("report")(report)
