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
  hostEdit_ = new QLineEdit(settings.host);
  hostEdit_->setObjectName("hostEdit");
  hostEdit_->setPlaceholderText(QString::fromLatin1(kDefaultMasterHost));
  portSpin_ = new QSpinBox;
  portSpin_->setObjectName("portSpin");
  portSpin_->setRange(1, 65535);
  portSpin_->setValue(settings.port);
  tokenEdit_ = new QLineEdit(settings.token);
  tokenEdit_->setObjectName("tokenEdit");
  tokenEdit_->setEchoMode(QLineEdit::Password);
  tokenEdit_->setPlaceholderText(tr("none"));
  tokenEdit_->setClearButtonEnabled(true);
  QAction* reveal = tokenEdit_->addAction(QIcon(), QLineEdit::TrailingPosition);
  reveal->setText(tr("Show"));
  reveal->setCheckable(true);
  connect(reveal, &QAction::toggled, this, [this](bool on) {
    tokenEdit_->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password);
  });

  auto* form = new QFormLayout;
  form->addRow(tr("&Host"), hostEdit_);
  form->addRow(tr("Client &port"), portSpin_);
  form->addRow(tr("API &token"), tokenEdit_);
  auto* note = new QLabel(
      tr("The master's client port is <tt>master.client.port</tt> (7400 by default). The token "
         "is one of the master's <tt>master.client.tokens</tt>; it is saved in this user's "
         "settings file."));
  note->setWordWrap(true);
  problemLabel_ = new QLabel;
  problemLabel_->setObjectName("problemLabel");
  problemLabel_->setStyleSheet(QStringLiteral("color: #c62828"));

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(hostEdit_, &QLineEdit::textChanged, this, &ConnectionDialog::validate);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(note);
  layout->addWidget(problemLabel_);
  layout->addWidget(buttons_);
  validate();
}

ConnectionSettings ConnectionDialog::settings() const {
  ConnectionSettings s;
  s.host = hostEdit_->text().trimmed();
  s.port = quint16(portSpin_->value());
  s.token = tokenEdit_->text();
  return s;
}

bool ConnectionDialog::isAcceptable() const { return !hostEdit_->text().trimmed().isEmpty(); }

void ConnectionDialog::validate() {
  const bool ok = isAcceptable();
  problemLabel_->setText(ok ? QString() : tr("Enter the master's host name or address."));
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

}  // namespace polyrun::gui
