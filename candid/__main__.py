from candid.cli import app

app(prog_name="candid")
