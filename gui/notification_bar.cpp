#include "notification_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QToolButton>
#include <QVBoxLayout>

#include "message_log.h"

namespace polyrun::gui {

NotificationBar::NotificationBar(MessageLog* log, QWidget* parent)
    : QWidget(parent), log_(log) {
  label_ = new QLabel;
  label_->setObjectName("notificationText");
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label_->setWordWrap(true);
  logButton_ = new QToolButton;
  logButton_->setObjectName("notificationLogButton");
  logButton_->setText(tr("All messages"));
  logButton_->setCheckable(true);
  closeButton_ = new QToolButton;
  closeButton_->setObjectName("notificationClose");
  closeButton_->setText(QStringLiteral("✕"));
  closeButton_->setToolTip(tr("Dismiss"));
  closeButton_->setAutoRaise(true);
  logView_ = new QListView;
  logView_->setObjectName("notificationLog");
  logView_->setModel(log_);
  logView_->setMaximumHeight(140);
  logView_->setWordWrap(true);
  logView_->hide();

  auto* line = new QHBoxLayout;
  line->setContentsMargins(8, 3, 4, 3);
  line->addWidget(label_, 1);
  line->addWidget(logButton_);
  line->addWidget(closeButton_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(line);
  layout->addWidget(logView_);

  setObjectName("notificationBar");
  setAutoFillBackground(true);
  connect(logButton_, &QToolButton::toggled, this, &NotificationBar::setLogShown);
  connect(closeButton_, &QToolButton::clicked, this, &NotificationBar::dismiss);
  connect(log_, &MessageLog::latestChanged, this, &NotificationBar::onLatestChanged);
  onLatestChanged();
}

QString NotificationBar::text() const { return label_->text(); }

bool NotificationBar::isLogShown() const { return !logView_->isHidden(); }

void NotificationBar::setLogShown(bool shown) {
  logView_->setVisible(shown);
  if (logButton_->isChecked() != shown) logButton_->setChecked(shown);
}

void NotificationBar::dismiss() {
  setLogShown(false);
  hide();
}

void NotificationBar::onLatestChanged() {
  const MessageLog::Entry* latest = log_->latest();
  if (!latest) {
    label_->clear();
    hide();
    return;
  }
  QString text = latest->text;
  if (latest->count > 1) text += QStringLiteral("  (×%1)").arg(latest->count);
  label_->setText(text);
  const QColor color = severityColor(latest->severity);
  QPalette p = palette();
  p.setColor(QPalette::Window, color.lighter(185));
  p.setColor(QPalette::WindowText, color.darker(140));
  setPalette(p);
  logButton_->setText(tr("All messages (%1)").arg(log_->rowCount()));
  show();
}

}  // namespace polyrun::gui
