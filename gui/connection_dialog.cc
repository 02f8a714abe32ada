#include "connection_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace polyrun::gui {

ConnectionDialog::ConnectionDialog(const ConnectionSettings& settings, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Connection settings"));
  host_edit_ = new QLineEdit(settings.host);
  host_edit_->setObjectName("hostEdit");
  host_edit_->setPlaceholderText(QString::fromLatin1(kDefaultMasterHost));
  port_spin_ = new QSpinBox;
  port_spin_->setObjectName("portSpin");
  port_spin_->setRange(1, 65535);
  port_spin_->setValue(settings.port);
  token_edit_ = new QLineEdit(settings.token);
  token_edit_->setObjectName("tokenEdit");
  token_edit_->setEchoMode(QLineEdit::Password);
  token_edit_->setPlaceholderText(tr("none"));
  token_edit_->setClearButtonEnabled(true);
  QAction* reveal = token_edit_->addAction(QIcon(), QLineEdit::TrailingPosition);
  reveal->setText(tr("Show"));
  reveal->setCheckable(true);
  connect(reveal, &QAction::toggled, this, [this](bool on) {
    token_edit_->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password);
  });

  auto* form = new QFormLayout;
  form->addRow(tr("&Host"), host_edit_);
  form->addRow(tr("Client &port"), port_spin_);
  form->addRow(tr("API &token"), token_edit_);
  auto* note = new QLabel(
      tr("The master's client port is <tt>master.client.port</tt> (7400 by default). The token "
         "is one of the master's <tt>master.client.tokens</tt>; it is saved in this user's "
         "settings file."));
  note->setWordWrap(true);
  problem_label_ = new QLabel;
  problem_label_->setObjectName("problemLabel");
  problem_label_->setStyleSheet(QStringLiteral("color: #c62828"));

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(host_edit_, &QLineEdit::textChanged, this, &ConnectionDialog::validate);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(note);
  layout->addWidget(problem_label_);
  layout->addWidget(buttons_);
  validate();
}

ConnectionSettings ConnectionDialog::settings() const {
  ConnectionSettings s;
  s.host = host_edit_->text().trimmed();
  s.port = quint16(port_spin_->value());
  s.token = token_edit_->text();
  return s;
}

bool ConnectionDialog::isAcceptable() const { return !host_edit_->text().trimmed().isEmpty(); }

void ConnectionDialog::validate() {
  const bool ok = isAcceptable();
  problem_label_->setText(ok ? QString() : tr("Enter the master's host name or address."));
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

}  // namespace polyrun::gui
